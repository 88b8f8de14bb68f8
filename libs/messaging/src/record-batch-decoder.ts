// A faster decoder of Kafka record batches for kafkajs 2.2.4, with the original's exact output. kafkajs'
// own decoder builds a Decoder and a Buffer slice per record, parses the batch's first offset and timestamp
// from strings and adds BigInt-backed Longs for every record, and copies its headers object once per header:
// 17.5 % of the ledger's busy time. This one reads each record in place with number arithmetic (BigInt only
// past 2^53) and builds the headers object once; everything else (the batch header, compression codecs,
// errors) is kafkajs' own. `useFastRecordBatchDecoder` swaps it in before kafkajs loads its fetch decoder.
import { createRequire } from 'node:module';

interface KafkaDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): bigint;
  readAll(): Buffer;
  slice(size: number): KafkaDecoder;
  forward(size: number): void;
}

type Headers = Record<string, Buffer | null | (Buffer | null)[]>;

interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
}

export interface DecodedRecord {
  magicByte: number;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  isControlRecord: boolean;
  batchContext: BatchContext & { magicByte: number };
}

export type RecordBatch = BatchContext & { records: DecodedRecord[] };

const KAFKAJS_VERSION = '2.2.4';
const kafkajsRequire = createRequire(require.resolve('kafkajs'));
const BATCH_DECODER = kafkajsRequire.resolve('./src/protocol/recordBatch/v0/decoder');
/** The module that captures the batch decoder when kafkajs first decodes a fetch response. */
const FETCH_MESSAGES_DECODER = kafkajsRequire.resolve('./src/protocol/requests/fetch/v4/decodeMessages');
const { KafkaJSPartialMessageError, KafkaJSInvalidLongError } = kafkajsRequire('./src/errors') as Record<string, new (message: string) => Error>;
const { lookupCodecByAttributes } = kafkajsRequire('./src/protocol/message/compression') as {
  lookupCodecByAttributes(attributes: number): { decompress(buffer: Buffer): Promise<Buffer> } | null;
};
const { LOG_APPEND_TIME, CREATE_TIME } = kafkajsRequire('./src/protocol/timestampTypes') as { LOG_APPEND_TIME: number; CREATE_TIME: number };

const MAX_KNOWN_HEADER_KEYS = 32;
const MAX_CACHED_KEY_BYTES = 64;
const knownHeaderKeys: { bytes: Buffer; text: string }[] = [];

const TIMESTAMP_TYPE_FLAG_MASK = 0x8;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;

/** The same as kafkajs' `recordBatch/v0/decoder` (the batch's first offset and length already framed by the fetch). */
export async function decodeRecordBatch(fetchDecoder: KafkaDecoder): Promise<RecordBatch> {
  const firstOffset = fetchDecoder.readInt64();
  const length = fetchDecoder.readInt32();
  const decoder = fetchDecoder.slice(length);
  fetchDecoder.forward(length);
  if (decoder.buffer.length < length) {
    throw new KafkaJSPartialMessageError(`Tried to decode a partial record batch: remainingBytes(${decoder.buffer.length}) < recordBatchLength(${length})`);
  }
  const partitionLeaderEpoch = decoder.readInt32();
  const magicByte = decoder.readInt8();
  decoder.readInt32(); // CRC: kafkajs does not check it either
  const attributes = decoder.readInt16();
  const lastOffsetDelta = decoder.readInt32();
  const firstTimestamp = decoder.readInt64();
  const maxTimestamp = decoder.readInt64().toString();
  const producerId = decoder.readInt64().toString();
  const producerEpoch = decoder.readInt16();
  const firstSequence = decoder.readInt32();
  const context: BatchContext = {
    firstOffset: firstOffset.toString(),
    firstTimestamp: firstTimestamp.toString(),
    partitionLeaderEpoch,
    inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
    isControlBatch: (attributes & CONTROL_FLAG_MASK) > 0,
    lastOffsetDelta,
    producerId,
    producerEpoch,
    firstSequence,
    maxTimestamp,
    timestampType: (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0 ? LOG_APPEND_TIME : CREATE_TIME,
  };
  const reader = new RecordReader({ ...context, magicByte }, firstOffset, firstTimestamp);
  const codec = lookupCodecByAttributes(attributes);
  const count = decoder.readInt32();
  let records: DecodedRecord[];
  if (!codec) {
    records = count === -1 ? [] : reader.read(decoder.buffer, decoder.offset, count);
  } else {
    records = count <= 0 ? [] : reader.read(await codec.decompress(decoder.readAll()), 0, count);
  }
  return { ...context, records };
}

/** Reads records at their offsets in one buffer: the fields, in order, of kafkajs' `record/v0/decoder`. */
class RecordReader {
  private buffer: Buffer = Buffer.alloc(0);
  private at = 0;
  private readonly firstOffset: number | bigint;
  private readonly firstTimestamp: number | bigint;

  constructor(
    private readonly context: BatchContext & { magicByte: number },
    firstOffset: bigint,
    firstTimestamp: bigint,
  ) {
    this.firstOffset = safeNumber(firstOffset);
    this.firstTimestamp = safeNumber(firstTimestamp);
  }

  read(buffer: Buffer, at: number, count: number): DecodedRecord[] {
    this.buffer = buffer;
    this.at = at;
    const records = new Array<DecodedRecord>(count);
    for (let i = 0; i < count; i++) {
      const length = this.varInt();
      const end = this.at + length;
      records[i] = this.record();
      this.at = end;
    }
    return records;
  }

  private record(): DecodedRecord {
    const { context } = this;
    const attributes = this.buffer.readInt8(this.at++);
    const timestampDelta = this.varLong();
    const timestamp = context.timestampType === LOG_APPEND_TIME && context.maxTimestamp ? context.maxTimestamp : sum(this.firstTimestamp, timestampDelta);
    const offset = sum(this.firstOffset, this.varInt());
    const key = this.bytes();
    const value = this.bytes();
    const headers = this.headers();
    return { magicByte: context.magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: context.isControlBatch, batchContext: context };
  }

  /** kafkajs folds repeated header keys into arrays; a header named `__proto__` stays an own property, as its spread made it. */
  private headers(): Headers {
    const count = this.varInt();
    const headers: Headers = {};
    for (let i = 0; i < count; i++) {
      const size = this.varInt();
      const key = size === -1 ? 'null' : this.headerKey(size);
      const value = this.bytes();
      const before = headers[key];
      const next = before === undefined ? value : Array.isArray(before) ? before.concat([value]) : [before, value];
      if (key === '__proto__') Object.defineProperty(headers, key, { value: next, writable: true, enumerable: true, configurable: true });
      else headers[key] = next;
    }
    return headers;
  }

  /** Header names repeat (`ce_type`, `ce_id`, `traceparent`): a known one is found by its bytes instead of decoded again. */
  private headerKey(size: number): string {
    const { buffer, at } = this;
    this.at += size;
    if (size > MAX_CACHED_KEY_BYTES) return buffer.toString('utf8', at, at + size);
    next: for (const known of knownHeaderKeys) {
      if (known.bytes.length !== size) continue;
      for (let i = 0; i < size; i++) if (known.bytes[i] !== buffer[at + i]) continue next;
      return known.text;
    }
    const text = buffer.toString('utf8', at, at + size);
    if (knownHeaderKeys.length < MAX_KNOWN_HEADER_KEYS) knownHeaderKeys.push({ bytes: Buffer.from(buffer.subarray(at, at + size)), text });
    return text;
  }

  private bytes(): Buffer | null {
    const size = this.varInt();
    if (size === -1) return null;
    return this.buffer.subarray(this.at, (this.at += size));
  }

  /** kafkajs' readVarInt arithmetic exactly (32-bit shifts, zig-zag). */
  private varInt(): number {
    const { buffer } = this;
    let byte: number;
    let result = 0;
    let shift = 0;
    do {
      byte = buffer[this.at++];
      result += (byte & 0x7f) << shift;
      shift += 7;
    } while (byte >= 0x80);
    return (result >>> 1) ^ -(result & 1);
  }

  /** A zig-zag varlong: numbers while it fits 49 bits (7 bytes), BigInt beyond, as kafkajs' Long would give. */
  private varLong(): number | bigint {
    const { buffer } = this;
    const start = this.at;
    let byte: number;
    let unsigned = 0;
    let scale = 1;
    do {
      byte = buffer[this.at++];
      if (this.at - start > 7) return this.bigVarLong(start);
      unsigned += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte >= 0x80);
    return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
  }

  private bigVarLong(start: number): bigint {
    const { buffer } = this;
    this.at = start;
    let byte: number;
    let unsigned = 0n;
    let shift = 0n;
    do {
      if (shift > 63n) throw new KafkaJSInvalidLongError('Invalid Long, must contain 9 bytes or less');
      byte = buffer[this.at++];
      unsigned += BigInt(byte & 0x7f) << shift;
      shift += 7n;
    } while (byte >= 0x80);
    return (unsigned >> 1n) ^ -(unsigned & 1n);
  }
}

function safeNumber(value: bigint): number | bigint {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

/** base + delta as a decimal string, exact: a float sum of two safe integers is exact when it is safe itself. */
function sum(base: number | bigint, delta: number | bigint): string {
  if (typeof base === 'number' && typeof delta === 'number') {
    const total = base + delta;
    if (Number.isSafeInteger(total)) return String(total);
  }
  return String(BigInt(base) + BigInt(delta));
}

interface ModuleCache {
  [path: string]: { exports: unknown } | undefined;
}

/**
 * Makes kafkajs (this process's copy) decode record batches with `decodeRecordBatch`. Must run before the first
 * fetch: kafkajs captures the batch decoder when it first loads its fetch response decoder, so later it would be too
 * late, and this throws rather than silently keep the slow path. Pinned to kafkajs 2.2.4: another version throws.
 */
export function useFastRecordBatchDecoder(): void {
  const version = (kafkajsRequire('./package.json') as { version: string }).version;
  if (version !== KAFKAJS_VERSION) throw new Error(`the fast record batch decoder is written for kafkajs ${KAFKAJS_VERSION}, found ${version}`);
  const cache = kafkajsRequire.cache as ModuleCache;
  const batchModule = cache[BATCH_DECODER];
  if (batchModule?.exports === decodeRecordBatch) return;
  if (cache[FETCH_MESSAGES_DECODER] !== undefined)
    throw new Error('kafkajs already loaded its fetch decoder: install the fast record batch decoder before the first fetch');
  kafkajsRequire(BATCH_DECODER);
  const loaded = cache[BATCH_DECODER];
  if (loaded === undefined) throw new Error('kafkajs record batch decoder not found in the module cache');
  loaded.exports = decodeRecordBatch;
}
