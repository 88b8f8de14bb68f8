// What replication factor 3 (min ISR 2, the default of infra/kafka/kafka.sh) costs libs/messaging against
// replication factor 1, in one run on one three-node cluster of the run's own (kafka.sh itself, PLAINTEXT): two
// topics side by side, the same ~600-byte events through EventPublisher (acks=all, idempotent). Throughput: 8
// concurrent callers of 100 events; latency: single-event publishes one after another. Two rounds, RF 1 and RF 3
// alternating, so a load change on the machine hits both.
import { randomUUID } from 'node:crypto';
import { topics, type TopicSpec } from '@medshare/contracts';
import { EventPublisher, toMessage } from '@medshare/messaging';
import { KafkaTestCluster } from '../../chaos/kafka-cluster';
import { percentile, type BenchResult } from './bench-result';
import { alert, produce } from './messaging';

const EVENTS = Number(process.env.REPLICATION_BENCH_EVENTS ?? 50_000);
const SINGLES = Number(process.env.REPLICATION_BENCH_SINGLES ?? 1_000);
const ROUNDS = 2;

export async function run(): Promise<BenchResult[]> {
  const cluster = await KafkaTestCluster.start({ fastStart: false });
  const results: BenchResult[] = [];
  try {
    const spec = (replicas: 1 | 3): TopicSpec => ({ ...topics.governanceAlerts, name: `bench-rf${replicas}-${randomUUID().slice(0, 8)}` });
    const byFactor = { 1: spec(1), 3: spec(3) };
    const admin = cluster.kafka('replication-bench-admin').admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: byFactor[1].name, numPartitions: 6, replicationFactor: 1, configEntries: [{ name: 'min.insync.replicas', value: '1' }] },
          { topic: byFactor[3].name, numPartitions: 6 }, // the brokers' defaults: RF 3, min ISR 2
        ],
      });
    } finally {
      await admin.disconnect();
    }
    const publisher = new EventPublisher(cluster.kafka(`replication-bench-${randomUUID()}`));
    await publisher.connect();
    const rates: Record<number, number[]> = { 1: [], 3: [] };
    const p50s: Record<number, number[]> = { 1: [], 3: [] };
    try {
      for (let round = 1; round <= ROUNDS; round += 1) {
        for (const replicas of round % 2 === 1 ? ([1, 3] as const) : ([3, 1] as const)) {
          const topic = byFactor[replicas];
          // Validated as the registry's alerts topic, sent to its RF 1 or RF 3 copy.
          const messages = Array.from({ length: EVENTS }, (_, n) => toMessage(topics.governanceAlerts, alert(n)));
          const rate = await produce(messages, 100, 8, (chunk) => publisher.publishRaw(topic, chunk));
          const latencies: number[] = [];
          for (let n = 0; n < SINGLES; n += 1) {
            const started = performance.now();
            await publisher.publishRaw(topic, [messages[n]]);
            latencies.push(performance.now() - started);
          }
          rates[replicas].push(rate);
          p50s[replicas].push(percentile(latencies, 50));
          results.push({
            name: `produce RF ${replicas} round ${round}`,
            events: EVENTS,
            eventsPerSecond: rate,
            p50Ms: percentile(latencies, 50),
            p99Ms: percentile(latencies, 99),
            notes: `8 callers x100; latency of ${SINGLES} single-event publishes`,
          });
        }
      }
    } finally {
      await publisher.disconnect();
    }
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    results.push({
      name: 'RF 3 / RF 1',
      notes: `throughput ${(mean(rates[3]) / mean(rates[1])).toFixed(2)}, single-publish p50 ${(mean(p50s[3]) / mean(p50s[1])).toFixed(2)} (3 nodes, min ISR 2 vs 1)`,
    });
  } finally {
    await cluster.stop();
  }
  return results;
}
