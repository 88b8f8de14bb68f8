// What TLS 1.3 + SASL/SCRAM-SHA-512 costs libs/messaging, in one run: two brokers of the run's own side by side, one
// PLAINTEXT and one SASL_SSL with the generated ACLs (infra/kafka/kafka.sh, one node each, same settings otherwise),
// measured in the order plaintext, sasl_ssl, sasl_ssl, plaintext so that a load that drifts during the run (other work
// on the machine) weighs on both alike. Each pass: the same ~600-byte events through EventPublisher (sequential calls
// of 1,000) and BatchConsumer, and the time to open a connection; each mode's figure is the mean of its two passes.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { topics } from '@medshare/contracts';
import { EventPublisher, toMessage } from '@medshare/messaging';
import { startPrivateBroker, type PrivateBroker } from '../../support/private-broker';
import type { BenchResult } from './bench-result';
import { alert, consumeBatchConsumer, produce } from './messaging';

const EVENTS = Number(process.env.KAFKA_SECURITY_BENCH_EVENTS ?? 50_000);
const CONNECTIONS = 10;
const MODES = ['plaintext', 'sasl_ssl'] as const;
type Mode = (typeof MODES)[number];
const ORDER: readonly Mode[] = ['plaintext', 'sasl_ssl', 'sasl_ssl', 'plaintext'];

interface Pass {
  produced: number;
  consumed: number;
  connectMs: number;
}

export async function run(): Promise<BenchResult[]> {
  const tag = randomUUID().slice(0, 6);
  const started = await Promise.allSettled(MODES.map((security) => startPrivateBroker(`bench-${security.replace('_', '')}-${tag}`, { security })));
  const brokers = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  try {
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const brokerOf = new Map<Mode, PrivateBroker>(MODES.map((mode, index) => [mode, brokers[index]]));
    const passes: { mode: Mode; pass: Pass }[] = [];
    for (const mode of ORDER) passes.push({ mode, pass: await measure(brokerOf.get(mode) as PrivateBroker, mode) });
    const mean = (mode: Mode, key: keyof Pass) => {
      const ofMode = passes.filter((entry) => entry.mode === mode);
      return ofMode.reduce((sum, entry) => sum + entry.pass[key], 0) / ofMode.length;
    };
    const results: BenchResult[] = MODES.flatMap((mode) => [
      { name: `produce EventPublisher ${mode}`, events: EVENTS, eventsPerSecond: mean(mode, 'produced'), notes: '1 node, sequential x1000, mean of 2 passes' },
      { name: `consume BatchConsumer ${mode}`, events: EVENTS, eventsPerSecond: mean(mode, 'consumed'), notes: '1 node, mean of 2 passes' },
      { name: `connect ${mode}`, p50Ms: mean(mode, 'connectMs'), notes: `mean of ${CONNECTIONS} admin connections, 2 passes` },
    ]);
    const ratio = (key: keyof Pass) => (mean('sasl_ssl', key) / mean('plaintext', key)).toFixed(2);
    const perPass = passes.map(({ mode, pass }) => `${mode} ${Math.round(pass.produced)}/${Math.round(pass.consumed)}`);
    results.push({
      name: 'sasl_ssl/plaintext',
      notes: `produce ${ratio('produced')}, consume ${ratio('consumed')}, connect ${ratio('connectMs')} (passes in order, produce/consume per s: ${perPass.join(', ')})`,
    });
    return results;
  } finally {
    await Promise.allSettled(brokers.map((broker) => broker.remove()));
  }
}

/** One pass on one broker, as principal `governance` (the operator is a super user: the ACLs are checked for a service). */
async function measure(broker: PrivateBroker, mode: Mode): Promise<Pass> {
  const kafka = broker.kafkaAs('governance', `bench-${mode}-${randomUUID().slice(0, 6)}`);
  const connectMs = await connectTime(kafka);
  const publisher = new EventPublisher(kafka);
  await publisher.connect();
  const messages = Array.from({ length: EVENTS }, (_, n) => toMessage(topics.governanceAlerts, alert(n)));
  let produced: number;
  try {
    produced = await produce(messages, 1_000, 1, (chunk) => publisher.publishRaw(topics.governanceAlerts, chunk));
  } finally {
    await publisher.disconnect();
  }
  const consumed = await consumeBatchConsumer(kafka, EVENTS, `governance-bench-${randomUUID()}`);
  return { produced, consumed, connectMs };
}

/** Mean time to a connected, authenticated admin client. */
async function connectTime(kafka: Kafka): Promise<number> {
  let total = 0;
  for (let n = 0; n < CONNECTIONS; n += 1) {
    const admin = kafka.admin();
    const begun = performance.now();
    await admin.connect();
    total += performance.now() - begun;
    await admin.disconnect();
  }
  return total / CONNECTIONS;
}
