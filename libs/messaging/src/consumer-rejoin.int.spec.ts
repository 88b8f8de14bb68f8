// A batch that outlives the session keeps its member in the group (the member heartbeats while its handler runs), and
// one that outlives maxBatchMs is taken for stuck: the coordinator drops the member, which joins its group again by
// itself and goes on consuming, and readiness stays on.
//
// kafkajs runs one fetch loop per broker of the cluster, and a loop whose fetch brought nothing heartbeats: a long
// batch lost the membership only while every broker's loop waited behind it with a batch of its own. So the member
// reads a topic of its own with one partition led by each broker, data on every partition.
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { topics, type TopicSpec } from '@medshare/contracts';
import { testEndpoints } from '../../../test/support/endpoints';
import { eventually } from '../../../test/support/eventually';
import { ConsumerHost } from './consumer-host';
import { EventPublisher } from './event-publisher';
import { createKafka, type KafkaLog } from './kafka';

const run = randomUUID().slice(0, 8);
/** Longer than BatchConsumer's 10 s session. */
const STALL_MS = 14_000;

describe('BatchConsumer membership through long batches', () => {
  let kafka: Kafka;
  let admin: Admin;
  let publisher: EventPublisher;
  /** Carries no registry events, so it is read raw (headers only): a registry topic's spec with this test's name and partitions. */
  let topic: TopicSpec;
  const crashes: { error: string; restart: boolean }[] = [];
  const log: KafkaLog = {
    error: (fields, message) => {
      if (message === 'consumer crashed') crashes.push(fields as { error: string; restart: boolean });
    },
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
  };

  /** One message with header `mark` on every partition. */
  const publishEverywhere = (mark: string) =>
    publisher.publishRaw(
      topic,
      Array.from({ length: topic.partitions }, (_, partition) => ({ partition, value: null, headers: { mark } })),
    );

  beforeAll(async () => {
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `rejoin-int-${run}` });
    admin = kafka.admin();
    await admin.connect();
    const brokers = (await admin.describeCluster()).brokers.map(({ nodeId }) => nodeId).sort((a, b) => a - b);
    // Partition i's preferred leader is broker i; replicas as the cluster's topics have them (up to three).
    const replicaAssignment = brokers.map((_, partition) => ({
      partition,
      replicas: Array.from({ length: Math.min(3, brokers.length) }, (__, n) => brokers[(partition + n) % brokers.length]),
    }));
    topic = { ...topics.governanceAlerts, name: `medshare-test-rejoin-${run}`, partitions: brokers.length };
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: topic.name, replicaAssignment }] });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher?.disconnect();
    if (topic) await admin.deleteTopics({ topics: [topic.name] }).catch(() => undefined);
    await admin?.disconnect();
  });

  /** Starts a member of a fresh group that stalls its first batch STALL_MS; resolves once that batch started. */
  async function stallingMember(host: ConsumerHost, group: string, maxBatchMs: number | undefined, reads: Map<string, number>): Promise<void> {
    let stalled = false;
    await host.consume('stalling', {
      groupId: `rejoin-${group}-${run}`,
      topics: [topic],
      fromBeginning: false,
      // One attempt: the handler's own retries are not what is tested.
      maxAttempts: 1,
      maxBatchMs,
      handle: {
        raw: async (messages) => {
          if (!stalled) {
            stalled = true;
            await new Promise((resolve) => setTimeout(resolve, STALL_MS));
          }
          for (const { partition, offset, headers } of messages)
            reads.set(`${headers.mark} ${partition}:${offset}`, (reads.get(`${headers.mark} ${partition}:${offset}`) ?? 0) + 1);
        },
      },
    });
    // Until the first batch stalls (a publish before the member's first fetch is behind its start): then every
    // partition has data, so each broker's fetch loop soon waits behind the stalled batch.
    await eventually(
      async () => {
        await publishEverywhere('first');
        return stalled || undefined;
      },
      { what: 'the first batch started', timeoutMs: 30_000, intervalMs: 1000 },
    );
  }

  /** Publishes `mark` on every partition until the member read it. */
  async function readAfterwards(reads: Map<string, number>, mark: string): Promise<void> {
    await eventually(
      async () => {
        await publishEverywhere(mark);
        return [...reads.keys()].some((key) => key.startsWith(`${mark} `)) || undefined;
      },
      { what: `a message read after the stalled batch`, timeoutMs: 60_000, intervalMs: 2000 },
    );
  }

  it('keeps its membership through a batch longer than the session, and reads each message once', async () => {
    const host = new ConsumerHost(kafka, publisher, log);
    const reads = new Map<string, number>();
    crashes.length = 0;
    try {
      await stallingMember(host, 'kept', undefined, reads);
      await readAfterwards(reads, 'second');
      expect(crashes).toEqual([]);
      // Committed once: nothing of the stalled batch was delivered again.
      expect([...reads.values()].filter((count) => count !== 1)).toEqual([]);
      expect([...reads.keys()].some((key) => key.startsWith('first '))).toBe(true);
      expect(() => host.check()).not.toThrow();
    } finally {
      await host.stop();
    }
  }, 120_000);

  it('is dropped by the coordinator during a batch longer than maxBatchMs, rejoins, stays ready and reads what follows', async () => {
    const host = new ConsumerHost(kafka, publisher, log);
    const reads = new Map<string, number>();
    crashes.length = 0;
    try {
      await stallingMember(host, 'dropped', 1_000, reads);
      await eventually(() => crashes.length > 0 || undefined, { what: 'the membership lost', timeoutMs: 60_000 });
      // The group never committed (its first batches were dropped) and starts at the end when it rejoins: publish until read.
      await readAfterwards(reads, 'second');
      expect(crashes[0]).toMatchObject({ restart: true });
      expect(crashes[0].error).toMatch(/not aware of this member|generation|rebalanc/i);
      expect(() => host.check()).not.toThrow();
    } finally {
      await host.stop();
    }
  }, 120_000);
});
