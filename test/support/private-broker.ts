// A Kafka broker of one test run's own (infra/kafka/kafka.sh on free ports, its own data folder): a spec that
// stops the broker, or reads every message of every topic, never touches the shared one.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Kafka } from 'kafkajs';
import { allTopics, topics } from '@medshare/contracts';
import { createKafka, ensureTopics } from '@medshare/messaging';
import { freePorts } from './ports';
import { waitForGroupCoordinator } from './topic-reader';

const runCommand = promisify(execFile);
const repoRoot = resolve(__dirname, '../..');

export interface PrivateBroker {
  brokers: string[];
  /** A client of this broker (no connection of its own until used). */
  kafka: Kafka;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the broker and deletes its data folder. */
  remove(): Promise<void>;
}

/** Starts a broker on a free port pair in 29192-29391 with every registry topic created. */
export async function startPrivateBroker(name: string): Promise<PrivateBroker> {
  const [port, controllerPort] = await freePorts(29192, 29392, 2);
  const dataDir = resolve(repoRoot, `.data/kafka-${name}`);
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort), KAFKA_DATA_DIR: dataDir };
  const script = (command: 'start' | 'stop') => runCommand('bash', [resolve(repoRoot, 'infra/kafka/kafka.sh'), command], { cwd: repoRoot, env });
  const brokers = [`127.0.0.1:${port}`];
  const kafka = createKafka({ brokers, clientId: `test-${name}` });
  const broker: PrivateBroker = {
    brokers,
    kafka,
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
  await broker.start();
  try {
    await ensureTopics(kafka, allTopics);
    await waitForGroupCoordinator(kafka, topics.keys.name);
  } catch (error) {
    await broker.remove();
    throw error;
  }
  return broker;
}
