// TopicEnds asks kafkajs' private cluster factory: on the real brokers it must give every partition's end of every
// topic it was made for (and its start), exactly as kafkajs' public admin.fetchTopicOffsets does, and follow them as they move.
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { testEndpoints } from '../../../test/support/endpoints';
import { createKafka } from './kafka';
import { TopicEnds } from './topic-ends';

describe('TopicEnds on the real brokers', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const topics = [`topic-ends-a-${randomUUID()}`, `topic-ends-b-${randomUUID()}`];

  beforeAll(async () => {
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `topic-ends-int-${randomUUID()}` });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: topics[0], numPartitions: 3 },
        { topic: topics[1], numPartitions: 2 },
      ],
      waitForLeaders: true,
    });
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  async function adminEnds(): Promise<Map<string, bigint>> {
    const ends = new Map<string, bigint>();
    for (const topic of topics) for (const { partition, high } of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${partition}`, BigInt(high));
    return ends;
  }

  it("gives every partition's end and start of every topic, as admin.fetchTopicOffsets does, and follows new messages and deletions", async () => {
    const ends = new TopicEnds(kafka, topics);
    await ends.connect();
    try {
      const empty = await ends.current();
      expect([...empty.keys()].sort()).toEqual([...topics.flatMap((topic, index) => Array.from({ length: 3 - index }, (_, p) => `${topic}/${p}`))].sort());
      expect([...empty.values()].every((end) => end === 0n)).toBe(true);

      // Different counts per partition, so a partition or topic mixed up with another shows.
      const sent = new Map<string, bigint>();
      for (const [index, topic] of topics.entries()) {
        for (let partition = 0; partition < 3 - index; partition += 1) {
          const count = 1 + partition + 3 * index;
          await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ partition, value: `${i}` })) });
          sent.set(`${topic}/${partition}`, BigInt(count));
        }
      }
      const after = await ends.current();
      expect(after).toEqual(sent);
      expect(after).toEqual(await adminEnds());

      // The log starts: 0 everywhere, then where a deletion moved one partition's start.
      expect([...(await ends.starts()).values()].every((start) => start === 0n)).toBe(true);
      await admin.deleteTopicRecords({ topic: topics[1], partitions: [{ partition: 1, offset: '2' }] });
      const starts = await ends.starts();
      expect(starts.get(`${topics[1]}/1`)).toBe(2n);
      const adminStarts = new Map<string, bigint>();
      for (const topic of topics) for (const { partition, low } of await admin.fetchTopicOffsets(topic)) adminStarts.set(`${topic}/${partition}`, BigInt(low));
      expect(starts).toEqual(adminStarts);
    } finally {
      await ends.disconnect();
    }
  });
});
