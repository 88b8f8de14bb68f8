// The fast record batch decoder against kafkajs' own, on batches kafkajs' own encoder writes: the edges a
// broker rarely sends (offsets and timestamps past 2^53, negative and 64-bit timestamp deltas, attribute bits).
import { isDeepStrictEqual } from 'node:util';
import { CompressionTypes } from 'kafkajs';
import { decodeRecordBatch, type RecordBatch } from './record-batch-decoder';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs' internals have no typings */
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => { offset: number };
const originalDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<RecordBatch>;
const { RecordBatch: encodeBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (batch: object) => Promise<{ buffer: Buffer }> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: object) => unknown;
const Long = require('kafkajs/src/utils/long') as { fromValue(value: string | number): unknown };
/* eslint-enable @typescript-eslint/no-require-imports */

// Attributes sit after first offset (8), length (4), leader epoch (4), magic (1) and CRC (4); kafkajs checks no CRC.
const ATTRIBUTES_AT = 21;

async function batch(options: { firstOffset: string; firstTimestamp: string; maxTimestamp?: string; compression?: CompressionTypes; attributes?: number }) {
  const records = [
    { offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k'), value: Buffer.from('{"a":1}'), headers: { ce_type: 't', ce_id: 'x' } },
    { offsetDelta: 1, timestampDelta: Long.fromValue(-5), key: null, value: null, headers: { repeated: ['1', '2', '3'], ['__proto__']: 'p', toString: 's' } },
    { offsetDelta: 2, timestampDelta: Long.fromValue('4611686018427387903'), key: Buffer.alloc(0), value: Buffer.from('ü€😀'), headers: { é: '' } },
    { offsetDelta: 300, timestampDelta: Long.fromValue('-4611686018427387904'), key: Buffer.from([0, 0, 0, 0]), value: Buffer.alloc(70_000, 7) },
    { offsetDelta: 2 ** 31 - 1, timestampDelta: Long.fromValue(2 ** 48), key: Buffer.from('x'), value: Buffer.from('y') },
  ].map(Record);
  const { buffer } = await encodeBatch({
    compression: options.compression ?? CompressionTypes.None,
    firstOffset: Long.fromValue(options.firstOffset),
    firstTimestamp: Long.fromValue(options.firstTimestamp),
    maxTimestamp: Long.fromValue(options.maxTimestamp ?? options.firstTimestamp),
    lastOffsetDelta: 300,
    producerId: Long.fromValue('9007199254740993'),
    producerEpoch: 3,
    firstSequence: 17,
    records,
  });
  if (options.attributes !== undefined) buffer.writeInt16BE(buffer.readInt16BE(ATTRIBUTES_AT) | options.attributes, ATTRIBUTES_AT);
  return buffer;
}

async function decodeBoth(bytes: Buffer) {
  const [originalAt, fastAt] = [new Decoder(bytes), new Decoder(bytes)];
  const original = await originalDecoder(originalAt);
  const fast = await decodeRecordBatch(fastAt as never);
  return { original, fast, originalOffset: originalAt.offset, fastOffset: fastAt.offset };
}

describe('decodeRecordBatch gives what kafkajs 2.2.4 gives', () => {
  it.each([
    ['ordinary offsets and timestamps', { firstOffset: '1234', firstTimestamp: '1765000000000' }],
    ['offsets and timestamps past 2^53', { firstOffset: '9007199254740990', firstTimestamp: '9007199254740000' }],
    ['negative first timestamp (none set)', { firstOffset: '0', firstTimestamp: '-1' }],
    ['the largest offsets', { firstOffset: '9223372036854775000', firstTimestamp: '1765000000000' }],
    ['gzip', { firstOffset: '77', firstTimestamp: '1765000000000', compression: CompressionTypes.GZIP }],
    ['log append time', { firstOffset: '5', firstTimestamp: '1765000000000', maxTimestamp: '1765000009999', attributes: 0x8 }],
    ['transactional control batch', { firstOffset: '5', firstTimestamp: '1765000000000', attributes: 0x10 | 0x20 }],
  ])('%s', async (_name, options) => {
    const { original, fast, originalOffset, fastOffset } = await decodeBoth(await batch(options));
    expect(original.records).toHaveLength(5);
    expect(isDeepStrictEqual(fast, original)).toBe(true);
    // Same key order too (what a JSON.stringify of a message would show).
    expect(JSON.stringify(fast)).toBe(JSON.stringify(original));
    expect(Object.getPrototypeOf(fast.records[1].headers)).toBe(Object.prototype);
    expect(fastOffset).toBe(originalOffset);
  });

  it('refuses a partial batch with the error kafkajs catches at the end of a fetch', async () => {
    const bytes = await batch({ firstOffset: '1', firstTimestamp: '1765000000000' });
    const cut = bytes.subarray(0, bytes.length - 10);
    await expect(originalDecoder(new Decoder(cut))).rejects.toMatchObject({ name: 'KafkaJSPartialMessageError' });
    await expect(decodeRecordBatch(new Decoder(cut) as never)).rejects.toMatchObject({ name: 'KafkaJSPartialMessageError' });
  });
});
