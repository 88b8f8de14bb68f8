// Starts (or reuses) the real Kafka and PostgreSQL servers the int and e2e tiers run against, and
// creates the registry's topics. Natively by infra/ scripts; by testcontainers only where a Docker
// engine answers.
import { execFile, execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { allTopics, kafkaAcls, topics } from '../../libs/contracts/src';
import { applyAcls, createKafka, ensureTopics } from '../../libs/messaging/src';
import { waitForGroupCoordinator } from './topic-reader';
import { adoptInfraKafkaEnv, testEndpoints } from './endpoints';
import { ensureObjectStore } from './object-store';
import { portAnswers } from './ports';

const run = promisify(execFile);
const repoRoot = resolve(__dirname, '../..');
const STARTED = 'MEDSHARE_TEST_INFRA_STARTED';

export async function ensureInfrastructure(): Promise<void> {
  if (process.env[STARTED] === undefined) {
    if (dockerEngineAnswers() && process.env.MEDSHARE_NATIVE_INFRA !== '1') {
      const { startContainers } = await import('./containers');
      await startContainers();
      process.env[STARTED] = 'containers';
    } else {
      const endpoints = testEndpoints();
      const running = await Promise.all(
        [endpoints.kafkaBrokers[0], ...[endpoints.stateServer, ...endpoints.ledgerServers].map(hostPortOf)].map(hostPortAnswers),
      );
      if (running.every(Boolean)) {
        process.env[STARTED] = 'reused';
      } else {
        // Three Kafka nodes, as `npm start` has them, unless KAFKA_NODES=1 (docs/operations.md, "Kafka nodes in tests").
        await run('bash', [resolve(repoRoot, 'infra/up.sh')], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
        process.env[STARTED] = 'native';
      }
    }
  }
  // After up.sh (which starts it too) or beside servers another checkout runs: attachments need an S3 store.
  if (process.env[STARTED] !== 'containers') await ensureObjectStore();
  adoptInfraKafkaEnv();
  const kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: 'medshare-test-harness' });
  await ensureTopics(kafka, allTopics);
  // As `medshare topics create` does: on a secured broker the services get their generated ACLs, nothing more.
  if (process.env.KAFKA_SECURITY === 'sasl_ssl') await applyAcls(kafka, kafkaAcls());
  await waitForGroupCoordinator(kafka, topics.keys.name);
}

export async function releaseInfrastructure(): Promise<void> {
  const started = process.env[STARTED];
  delete process.env[STARTED];
  if (started === 'native' && process.env.MEDSHARE_KEEP_INFRA !== '1') {
    await run('bash', [resolve(repoRoot, 'infra/down.sh')], { cwd: repoRoot });
  } else if (started === 'containers') {
    const { stopContainers } = await import('./containers');
    await stopContainers();
  }
}

function dockerEngineAnswers(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

function hostPortOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}`;
}

function hostPortAnswers(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return portAnswers(host, Number(port));
}
