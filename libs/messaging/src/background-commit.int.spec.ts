// commitInBackground (request/reply): the next batch does not wait for the previous batch's commit, but every
// handled batch is still committed, at the latest by stop().
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { TopicSpec } from '@medshare/contracts';
import { testEndpoints } from '../../../test/support/endpoints';
import { eventually } from '../../../test/support/eventually';
import { BatchConsumer } from './batch-consumer';
import { EventPublisher } from './event-publisher';
import { createKafka } from './kafka';

describe('a consumer that commits in the background', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let publisher: EventPublisher;
  const topic = `background-commit-${randomUUID()}`;

  beforeAll(async () => {
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `background-commit-int-${randomUUID()}` });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    producer = kafka.producer({ idempotent: true });
    publisher = new EventPublisher(kafka);
    await Promise.all([producer.connect(), publisher.connect()]);
  });

  afterAll(async () => {
    await Promise.all([producer.disconnect(), publisher.disconnect()]);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('has committed every batch it handled once stopped, one message at a time or several', async () => {
    const groupId = `background-commit-${randomUUID()}`;
    const handled: string[] = [];
    // A raw handler: the topic carries no registry events, and only offsets matter here.
    const spec = { name: topic } as TopicSpec;
    const consumer = new BatchConsumer(kafka, publisher, {
      groupId,
      topics: [spec],
      fromBeginning: true,
      commitInBackground: true,
      handle: { raw: async (messages) => void handled.push(...messages.map((message) => message.offset)) },
    });
    await consumer.start();
    try {
      for (let index = 0; index < 5; index += 1) {
        await producer.send({ topic, acks: -1, messages: [{ value: `one ${index}` }] });
        await eventually(() => handled.length === index + 1 || undefined, { what: `message ${index} handled` });
      }
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, (_, index) => ({ value: `many ${index}` })) });
      await eventually(() => handled.length === 25 || undefined, { what: 'the last batch handled' });
    } finally {
      await consumer.stop();
    }
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '25' })]);
  });
});
