// A consumer the group coordinator dropped (its batch outlived the session, as on a loaded machine) joins its group
// again by itself and goes on consuming, and readiness stays on.
//
// kafkajs runs one fetch loop per broker of the cluster, and a loop whose fetch brought nothing heartbeats: a long
// batch loses the membership only while every broker's loop waits behind it with a batch of its own. So the member
// reads a topic of its own with one partition led by each broker, data on every partition (on one broker, as on
// three; on three a batch alone kept the membership: the other brokers' idle loops heartbeat all along).
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { topics, type TopicSpec } from '@medshare/contracts';
import { testEndpoints } from '../../../test/support/endpoints';
import { eventually } from '../../../test/support/eventually';
import { ConsumerHost } from './consumer-host';
import { EventPublisher } from './event-publisher';
import { createKafka, type KafkaLog } from './kafka';

const run = randomUUID().slice(0, 8);
/** BatchConsumer's session is 10 s: a first batch that takes longer loses the membership. */
const STALL_MS = 14_000;

describe('BatchConsumer rejoins after losing its group membership', () => {
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

  it('is dropped by the coordinator during a long batch, rejoins, stays ready and reads what follows', async () => {
    const host = new ConsumerHost(kafka, publisher, log);
    const seen = new Set<string>();
    let stalled = false;
    try {
      await host.consume('stalling', {
        groupId: `rejoin-${run}`,
        topics: [topic],
        fromBeginning: false,
        // One attempt: the handler's own retries are not what is tested.
        maxAttempts: 1,
        handle: {
          raw: async (messages) => {
            if (!stalled) {
              stalled = true;
              await new Promise((resolve) => setTimeout(resolve, STALL_MS));
            }
            for (const { headers } of messages) seen.add(headers.mark);
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
      await eventually(() => crashes.length > 0 || undefined, { what: 'the membership lost', timeoutMs: 60_000 });
      // The group never committed (its first batches were dropped) and starts at the end when it rejoins: publish until read.
      await eventually(
        async () => {
          await publishEverywhere('second');
          return seen.has('second') || undefined;
        },
        { what: 'a message read after the rejoin', timeoutMs: 60_000, intervalMs: 2000 },
      );
      expect(crashes[0]).toMatchObject({ restart: true });
      expect(crashes[0].error).toMatch(/not aware of this member|generation|rebalanc/i);
      expect(() => host.check()).not.toThrow();
    } finally {
      await host.stop();
    }
  }, 120_000);
});
