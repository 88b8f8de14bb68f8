// A transactional BatchConsumer against the real broker: batches that arrive back to back with no output (a
// transaction of offsets only, as governance's audit projector commits for the events it does not copy) are each
// committed once, without the broker's "concurrent operation on the same transaction" failing any of them.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { TopicSpec } from '@medshare/contracts';
import { testEndpoints } from '../../../test/support/endpoints';
import { eventually } from '../../../test/support/eventually';
import { BatchConsumer } from './batch-consumer';
import { EventPublisher } from './event-publisher';
import { createKafka, type KafkaLog } from './kafka';
import { ensureTopics } from './topic-admin';

const run = randomUUID().slice(0, 8);
const spec = (name: string): TopicSpec => ({
  name: `medshare-test-${name}-${run}`,
  key: 'institution',
  partitions: 1,
  retentionMs: 3_600_000,
  eventTypes: ['governance.alert.v1'],
  audited: false,
  producers: [],
  consumers: [],
});
const input = spec('txn-in');

describe('transactional batches back to back', () => {
  let kafka: Kafka;
  let publisher: EventPublisher;
  let consumer: BatchConsumer;
  const failures: string[] = [];
  const log: KafkaLog = {
    error: () => undefined,
    warn: (fields, message) => {
      if (message === 'batch handler failed') failures.push((fields as { error: string }).error);
    },
    info: () => undefined,
    debug: () => undefined,
  };

  beforeAll(async () => {
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `txn-int-${run}` });
    await ensureTopics(kafka, [input]);
    publisher = new EventPublisher(kafka);
    await publisher.connect();
  });

  afterAll(async () => {
    await consumer?.stop();
    await publisher?.disconnect();
  });

  it('commits every batch once, offsets-only transactions back to back, and fails none of them', async () => {
    const handled: string[] = [];
    consumer = new BatchConsumer(kafka, publisher, {
      groupId: `txn-int-${run}`,
      transactionalId: `txn-int-${run}`,
      topics: [input],
      fromBeginning: true,
      log,
      handle: { raw: async (messages) => void handled.push(...messages.map(({ offset }) => offset)) },
    });
    await consumer.start();
    const count = 150;
    for (let index = 0; index < count; index += 1) {
      await publisher.publishRaw(input, [{ value: `message ${index}` }]);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const admin = kafka.admin();
    await admin.connect();
    try {
      await eventually(
        async () =>
          (await admin.fetchOffsets({ groupId: `txn-int-${run}`, topics: [input.name] }))[0].partitions[0].offset === String(count) ? true : undefined,
        {
          timeoutMs: 45_000,
          what: 'every offset committed',
        },
      );
    } finally {
      await admin.disconnect();
    }
    expect(new Set(handled).size).toBe(count);
    expect(failures).toEqual([]);
  }, 60_000);
});
