// The test harness's Kafka readers end when closed, even when kafkajs crashed them just before: a plain kafkajs
// consumer disconnected while its crash handler runs rejoins its group afterwards, for ever if the broker is gone
// (what kept Jest from exiting after the e2e tier).
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { createKafka } from '@medshare/messaging';
import { testEndpoints } from '../support/endpoints';
import { closableConsumer, readTopic } from '../support/topic-reader';

const run = randomUUID().slice(0, 8);
const topic = `medshare-test-reader-${run}`;
let kafka: Kafka;

beforeAll(async () => {
  kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `topic-reader-int-${run}` });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: ['one', 'two', 'three'].map((value, index) => ({ key: String(index), value })) });
  } finally {
    await producer.disconnect();
  }
});

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
});

/**
 * Runs `consumer` until its handler crashes it once (retriable, so kafkajs plans a restart), disconnects it with
 * `close` from inside the crash notification, and counts the group joins after `close` resolved.
 */
async function joinsAfterCloseDuringCrash(consumer: Consumer, close: () => Promise<void>): Promise<number> {
  let closed: Promise<void> | undefined;
  const crashed = new Promise<void>((resolveCrash) =>
    consumer.on(consumer.events.CRASH, () => {
      closed = close();
      resolveCrash();
    }),
  );
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  // Only the first message fails: a consumer that crashed on every message would keep restarting past the final
  // disconnect below and outlive the test file (Jest then fails the run for a require after tear-down).
  let failed = false;
  await consumer.run({
    eachMessage: async () => {
      if (failed) return;
      failed = true;
      throw new Error('handler failure');
    },
  });
  await crashed;
  await closed;
  let joins = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joins += 1;
  });
  // kafkajs restarts after its retry time (100 ms here); a join takes well under the rest of this wait.
  await new Promise((resolveWait) => setTimeout(resolveWait, 4000));
  await consumer.disconnect();
  return joins;
}

const crashingConfig = () => ({ groupId: `topic-reader-int-${run}-${randomUUID().slice(0, 6)}`, retry: { retries: 0, initialRetryTime: 100 } });

it('kafkajs itself restarts a consumer disconnected during its crash (the behaviour closableConsumer guards against)', async () => {
  const consumer = kafka.consumer(crashingConfig());
  expect(await joinsAfterCloseDuringCrash(consumer, () => consumer.disconnect())).toBeGreaterThan(0);
});

it('closableConsumer stays closed when closed during its crash', async () => {
  const reader = closableConsumer(kafka, crashingConfig());
  expect(await joinsAfterCloseDuringCrash(reader.consumer, () => reader.close())).toBe(0);
});

it('readTopic reads every message from the given offsets to the end, and only those', async () => {
  const all = await readTopic(kafka, topic);
  expect(all.map((message) => message.value?.toString()).sort()).toEqual(['one', 'three', 'two']);
  const from = new Map(all.map((message) => [message.partition, message.offset + 1n]));
  expect(await readTopic(kafka, topic, { from })).toEqual([]);
});
