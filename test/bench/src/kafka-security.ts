// What TLS 1.3 + SASL/SCRAM-SHA-512 costs libs/messaging, in one run: two brokers of the run's own, one PLAINTEXT and
// one SASL_SSL with the generated ACLs (infra/kafka/kafka.sh, same settings otherwise), the same ~600-byte events
// through EventPublisher (sequential calls of 1,000) and BatchConsumer, and the time to open a connection.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { topics } from '@medshare/contracts';
import { EventPublisher, toMessage } from '@medshare/messaging';
import { startPrivateBroker } from '../../support/private-broker';
import type { BenchResult } from './bench-result';
import { alert, consumeBatchConsumer, produce } from './messaging';

const EVENTS = Number(process.env.KAFKA_SECURITY_BENCH_EVENTS ?? 50_000);
const CONNECTIONS = 10;

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const rates: Record<string, Record<string, number>> = {};
  for (const security of ['plaintext', 'sasl_ssl'] as const) {
    const broker = await startPrivateBroker(`bench-${security.replace('_', '')}-${randomUUID().slice(0, 6)}`, { security });
    try {
      // The operator is a super user: measure as a service principal, which the ACLs are checked for.
      const kafka = broker.kafkaAs('governance', `bench-${security}`);
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
      rates[security] = { produced, consumed, connectMs };
      results.push({
        name: `produce EventPublisher ${security}`,
        events: EVENTS,
        eventsPerSecond: produced,
        ceiling: 'kafka-produce',
        notes: '1 node, sequential x1000',
      });
      results.push({ name: `consume BatchConsumer ${security}`, events: EVENTS, eventsPerSecond: consumed, ceiling: 'kafka-consume', notes: '1 node' });
      results.push({ name: `connect ${security}`, p50Ms: connectMs, notes: `mean of ${CONNECTIONS} admin connections` });
    } finally {
      await broker.remove();
    }
  }
  const ratio = (key: string) => (rates.sasl_ssl[key] / rates.plaintext[key]).toFixed(2);
  results.push({ name: 'sasl_ssl/plaintext', notes: `produce ${ratio('produced')}, consume ${ratio('consumed')}, connect ${ratio('connectMs')}` });
  return results;
}

/** Mean time to a connected, authenticated admin client. */
async function connectTime(kafka: Kafka): Promise<number> {
  let total = 0;
  for (let n = 0; n < CONNECTIONS; n += 1) {
    const admin = kafka.admin();
    const started = performance.now();
    await admin.connect();
    total += performance.now() - started;
    await admin.disconnect();
  }
  return total / CONNECTIONS;
}
