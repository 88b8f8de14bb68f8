// One publish larger than the broker's message.max.bytes (1 MiB by default) for a single partition: it used to
// go as one record batch, which the broker refuses whole; it now goes as consecutive sends, in order.
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { testEndpoints } from '../../../test/support/endpoints';
import { eventually } from '../../../test/support/eventually';
import { closableConsumer } from '../../../test/support/topic-reader';
import { createKafka } from './kafka';
import { PartitionedProducer } from './partitioned-producer';

describe('sends larger than one request', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: PartitionedProducer;
  const topic = `send-size-${randomUUID()}`;

  beforeAll(async () => {
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `send-size-int-${randomUUID()}` });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    producer = new PartitionedProducer(kafka);
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('delivers a 2.5 MiB publish to one partition, every message once and in order', async () => {
    const messages = Array.from({ length: 40 }, (_, index) => ({ key: 'one-partition', value: Buffer.alloc(64 * 1024, index) }));
    await producer.send(topic, messages);
    const seen: number[] = [];
    const { consumer, close } = closableConsumer(kafka, { groupId: `send-size-${randomUUID()}` });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value?.[0] ?? -1) });
      await eventually(() => seen.length >= 40 || undefined, { what: 'all 40 messages consumed', timeoutMs: 30_000 });
    } finally {
      await close();
    }
    expect(seen).toEqual(messages.map((_, index) => index));
  });
});
