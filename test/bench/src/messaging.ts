// libs/messaging throughput against the kafkajs usage it replaced, in one run on a cluster of its own (three
// KRaft nodes, RF 3, min ISR 2; MESSAGING_BENCH_NODES=1 for one node): produce through one multi-partition
// send() per call (before) and through EventPublisher's one-partition sends (after), sequential calls of 1,000
// events and 8 concurrent callers of 100; consume with a bare kafkajs eachBatch loop committing per batch (what
// BatchConsumer did) and with BatchConsumer (parsing, validation, lag refresh). ~600-byte events.
import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import { topics, type EventOf } from '@medshare/contracts';
import { BatchConsumer, EventPublisher, toMessage } from '@medshare/messaging';
import { KafkaTestCluster } from '../../chaos/kafka-cluster';
import { testAlert } from '../../support/events';
import { eventually } from '../../support/eventually';
import type { BenchResult } from './bench-result';

const EVENTS = Number(process.env.MESSAGING_BENCH_EVENTS ?? 100_000);
const topic = topics.governanceAlerts;

export async function run(): Promise<BenchResult[]> {
  const cluster = await KafkaTestCluster.start({ nodes: process.env.MESSAGING_BENCH_NODES === '1' ? 1 : 3, fastStart: false });
  const results: BenchResult[] = [];
  try {
    await cluster.createTopics([topic], 6);
    const kafka = cluster.kafka(`messaging-bench-${randomUUID()}`);
    const messages = Array.from({ length: EVENTS }, (_, n) => toMessage(topic, alert(n)));
    const nodes = `${cluster.nodes.length} node(s)`;

    const before = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await before.connect();
    const publisher = new EventPublisher(kafka);
    await publisher.connect();
    try {
      const send = {
        before: (chunk: Message[]) => before.send({ topic: topic.name, acks: -1, messages: chunk }).then(() => undefined),
        after: (chunk: Message[]) => publisher.publishRaw(topic, chunk),
      };
      for (const [shape, size, callers] of [
        ['sequential x1000', 1_000, 1],
        ['8 callers x100', 100, 8],
      ] as const) {
        const rates: Record<string, number> = {};
        for (const [name, sender] of Object.entries(send)) {
          rates[name] = await produce(messages, size, callers, sender);
          results.push({ name: `produce ${name} (${shape})`, events: EVENTS, eventsPerSecond: rates[name], ceiling: 'kafka-produce', notes: nodes });
        }
        results.push({ name: `produce after/before (${shape})`, notes: `ratio ${(rates.after / rates.before).toFixed(2)}` });
      }
    } finally {
      await before.disconnect();
      await publisher.disconnect();
    }

    const total = 4 * EVENTS;
    const bare = await consumeBare(kafka, total);
    results.push({ name: 'consume bare kafkajs eachBatch', events: total, eventsPerSecond: bare, ceiling: 'kafka-consume', notes: nodes });
    const batchConsumer = await consumeBatchConsumer(kafka, total);
    results.push({ name: 'consume BatchConsumer', events: total, eventsPerSecond: batchConsumer, ceiling: 'kafka-consume', notes: nodes });
    results.push({ name: 'consume BatchConsumer/bare', notes: `ratio ${(batchConsumer / bare).toFixed(2)}` });
  } finally {
    await cluster.stop();
  }
  return results;
}

export function alert(n: number): EventOf<'governance.alert.v1'> {
  return testAlert(`bench event ${n} `.padEnd(300, '.'), { source: 'bench', institution: `hosp-${n % 60}` });
}

export async function produce(messages: Message[], size: number, callers: number, send: (chunk: Message[]) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < messages.length) {
        const from = next;
        next += size;
        await send(messages.slice(from, from + size));
      }
    }),
  );
  return messages.length / ((performance.now() - started) / 1000);
}

async function consumeBare(kafka: Kafka, total: number): Promise<number> {
  let seen = 0;
  const consumer = kafka.consumer({ groupId: `bench-bare-${randomUUID()}`, maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 24 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic: topic.name, fromBeginning: true });
  const started = performance.now();
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset }) => {
      for (const message of batch.messages) JSON.parse(message.value?.toString() ?? '{}');
      seen += batch.messages.length;
      resolveOffset(batch.lastOffset());
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]);
    },
  });
  try {
    await eventually(() => seen >= total || undefined, { timeoutMs: 300_000, intervalMs: 20, what: 'bare consumer done' });
    return total / ((performance.now() - started) / 1000);
  } finally {
    await consumer.disconnect();
  }
}

export async function consumeBatchConsumer(kafka: Kafka, total: number, groupId = `bench-batch-${randomUUID()}`): Promise<number> {
  let seen = 0;
  const publisher = new EventPublisher(kafka);
  const consumer = new BatchConsumer(kafka, publisher, {
    groupId,
    topics: [topic],
    fromBeginning: true,
    handle: async (events) => {
      seen += events.length;
    },
  });
  const started = performance.now();
  await consumer.start();
  try {
    await eventually(() => seen >= total || undefined, { timeoutMs: 300_000, intervalMs: 20, what: 'BatchConsumer done' });
    return total / ((performance.now() - started) / 1000);
  } finally {
    await consumer.stop();
    await publisher.disconnect();
  }
}
