// A Kafka broker of one test run's own (infra/kafka/kafka.sh on free ports, its own data folder): a spec that
// stops the broker, or reads every message of every topic, never touches the shared one.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Kafka } from 'kafkajs';
import { allTopics, kafkaAcls, topics } from '@medshare/contracts';
import { applyAcls, createKafka, ensureTopics, kafkaSecurityFrom, withKafkaClientEnv } from '@medshare/messaging';
import { freePorts } from './ports';
import { waitForGroupCoordinator } from './topic-reader';

const runCommand = promisify(execFile);
/** test/support from the sources, dist/test/support when a benchmark runs it compiled. */
const repoRoot = resolve(__dirname, __dirname.includes('/dist/') ? '../../..' : '../..');

export interface PrivateBroker {
  brokers: string[];
  /** The KRaft controller listener (TLS 1.3 with client certificates on a sasl_ssl broker); brokers of kafka.sh. */
  controllerPort?: number;
  /** A client of this broker as the operator (no connection of its own until used). */
  kafka: Kafka;
  /** KAFKA_* for the services a test starts on this broker (each connects as its own principal). */
  clientEnv: NodeJS.ProcessEnv;
  /** A client as `principal` (sasl_ssl brokers; on a plaintext one everybody is anonymous). */
  kafkaAs(principal: string, clientId: string): Kafka;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the broker and deletes its data folder. */
  remove(): Promise<void>;
}

/**
 * Starts a broker on a free port pair in 29192-29391 with every registry topic created (as `medshare topics create`
 * does: on a sasl_ssl broker with the generated ACLs too); in the run's Kafka mode (KAFKA_SECURITY, plaintext by
 * default) unless `security` says otherwise (secrets: the checkout's .data/secrets).
 */
export async function startPrivateBroker(name: string, { security = process.env.KAFKA_SECURITY ?? 'plaintext' } = {}): Promise<PrivateBroker> {
  const [port, controllerPort] = await freePorts(29192, 29392, 2);
  const dataDir = resolve(repoRoot, `.data/kafka-${name}`);
  const env = {
    ...process.env,
    // JIT tier 1 only: the broker starts in about half the CPU time (as test/chaos/kafka-cluster.ts's fastStart).
    KAFKA_HEAP: '-Xms128m -Xmx512m -XX:TieredStopAtLevel=1',
    // A KRaft cluster id (16 random bytes, base64url) made here saves kafka.sh a JVM start for `StorageTool random-uuid`.
    KAFKA_CLUSTER_ID: clusterId(),
    KAFKA_NODES: '1',
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_DATA_DIR: dataDir,
    KAFKA_SECURITY: security,
  };
  const script = (command: 'start' | 'stop') => runCommand('bash', [resolve(repoRoot, 'infra/kafka/kafka.sh'), command], { cwd: repoRoot, env });
  const brokers = [`127.0.0.1:${port}`];
  await script('start');
  const clientEnv = withKafkaClientEnv(resolve(dataDir, 'client.env'), {});
  const kafkaAs = (principal: string, clientId: string) => createKafka({ brokers, clientId, security: kafkaSecurityFrom(clientEnv, principal) });
  const kafka = kafkaAs('operator', `test-${name}`);
  const broker: PrivateBroker = {
    brokers,
    controllerPort,
    kafka,
    clientEnv,
    kafkaAs,
    async start() {
      await script('start');
    },
    async stop() {
      await script('stop');
    },
    async remove() {
      await script('stop');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await ensureTopics(kafka, allTopics);
    if (security === 'sasl_ssl') await applyAcls(kafka, kafkaAcls());
    await waitForGroupCoordinator(kafka, topics.keys.name);
  } catch (error) {
    await broker.remove();
    throw error;
  }
  return broker;
}

/** As Kafka's Uuid.randomUuid(): never one that starts with '-' (a command-line flag to its tools). */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
