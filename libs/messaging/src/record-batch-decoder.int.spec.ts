// The fast record batch decoder against kafkajs' own on batches the real broker sends: plain, gzip, idempotent,
// transactional (committed and aborted, with their control batches), headers repeated or named like Object's
// members, null keys and values, partial batches at the end of a fetch. kafkajs' consumer runs on the fast
// decoder's output here, so its own filtering (aborted transactions, control records) is checked too.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { CompressionTypes, type Admin, type Kafka } from 'kafkajs';
import { testEndpoints } from '../../../test/support/endpoints';
import { eventually } from '../../../test/support/eventually';
import { closableConsumer } from '../../../test/support/topic-reader';
import { createKafka } from './kafka';
import type { RecordBatch } from './record-batch-decoder';

interface Captured {
  bytes: Buffer;
  original: RecordBatch | Error;
  fast: RecordBatch | Error;
}

// Not a mock of Kafka: every fetched batch's bytes are kept and decoded by both decoders; the consumer gets the fast one's.
const mockCaptured: Captured[] = [];
jest.mock('kafkajs/src/protocol/recordBatch/v0/decoder', () => {
  const original = jest.requireActual('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<RecordBatch>;
  const { decodeRecordBatch } = jest.requireActual('./record-batch-decoder') as typeof import('./record-batch-decoder');
  const Decoder = jest.requireActual('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => { offset: number };
  const decoded = (promise: Promise<RecordBatch>) => promise.catch((error: Error) => error);
  return async (fetchDecoder: { buffer: Buffer; offset: number }) => {
    const bytes = Buffer.from(fetchDecoder.buffer.subarray(fetchDecoder.offset));
    const [atOriginal, atFast] = [new Decoder(bytes), new Decoder(bytes)];
    const captured = { bytes, original: await decoded(original(atOriginal)), fast: await decoded(decodeRecordBatch(atFast as never)) };
    mockCaptured.push(captured);
    if (atOriginal.offset !== atFast.offset) throw new Error(`decoders ended at ${atOriginal.offset} and ${atFast.offset}`);
    return decodeRecordBatch(fetchDecoder as never);
  };
});

const ATTRIBUTES_AT = 21;

describe('the fast record batch decoder on batches fetched from the broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  const topic = `record-batches-${randomUUID()}`;

  beforeAll(async () => {
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `record-batches-int-${randomUUID()}` });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('decodes every batch exactly as kafkajs does, and the consumer sees only committed records', async () => {
    const message = (index: number, tag: string) => ({
      key: index % 7 === 0 ? null : `patient-${index % 3}`,
      value: index % 11 === 0 ? null : JSON.stringify({ tag, index, text: 'é€😀'.repeat(index % 5) }),
      headers: { ce_type: tag, repeated: ['a', 'b'], ['__proto__']: 'own', toString: `${index}` },
    });
    const range = (from: number, count: number, tag: string) => Array.from({ length: count }, (_, i) => message(from + i, tag));
    const producer = kafka.producer({ idempotent: true });
    const transactional = kafka.producer({ transactionalId: `record-batches-${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
    await Promise.all([producer.connect(), transactional.connect()]);
    try {
      await producer.send({ topic, messages: range(0, 200, 'plain') });
      await producer.send({ topic, compression: CompressionTypes.GZIP, messages: range(200, 300, 'gzip') });
      await producer.send({ topic, messages: [{ key: 'big', value: Buffer.alloc(300 * 1024, 1) }] });
      const committed = await transactional.transaction();
      await committed.send({ topic, messages: range(500, 40, 'committed') });
      await committed.commit();
      const aborted = await transactional.transaction();
      await aborted.send({ topic, messages: range(540, 40, 'aborted') });
      await aborted.abort();
      await producer.send({ topic, messages: range(580, 20, 'after') });
    } finally {
      await Promise.all([producer.disconnect(), transactional.disconnect()]);
    }

    const seen: string[] = [];
    // Small fetches: batches cut at the fetch's end (partial) come back too.
    const { consumer, close } = closableConsumer(kafka, { groupId: `record-batches-${randomUUID()}`, maxBytesPerPartition: 64 * 1024, maxBytes: 128 * 1024 });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message: { headers, key } }) => void seen.push(`${String(headers?.ce_type ?? key)}`) });
      await eventually(() => seen.length >= 561 || undefined, { what: 'every committed record consumed', timeoutMs: 60_000 });
    } finally {
      await close();
    }

    const count = (tag: string) => seen.filter((seenTag) => seenTag === tag).length;
    expect({
      plain: count('plain'),
      gzip: count('gzip'),
      big: count('big'),
      committed: count('committed'),
      after: count('after'),
      aborted: count('aborted'),
    }).toEqual({
      plain: 200,
      gzip: 300,
      big: 1,
      committed: 40,
      after: 20,
      aborted: 0,
    });
    const batches = mockCaptured.flatMap(({ original }) => (original instanceof Error ? [] : [original]));
    // The broker really sent each kind this test is about.
    expect(mockCaptured.some(({ bytes }) => bytes.length > ATTRIBUTES_AT && (bytes.readInt16BE(ATTRIBUTES_AT) & 0x7) === CompressionTypes.GZIP)).toBe(true);
    expect(batches.some((batch) => batch.isControlBatch)).toBe(true);
    expect(batches.some((batch) => batch.inTransaction && !batch.isControlBatch)).toBe(true);
    expect(mockCaptured.some(({ original }) => original instanceof Error && original.name === 'KafkaJSPartialMessageError')).toBe(true);
    for (const { original, fast } of mockCaptured) {
      if (original instanceof Error) {
        expect(fast).toBeInstanceOf(Error);
        expect((fast as Error).name).toBe(original.name);
      } else {
        expect(isDeepStrictEqual(fast, original)).toBe(true);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(original));
      }
    }
  });
});
