// A ledger replica's event rows as both verifiers read them (the auditor's CLI and the ledger service's
// verification): by binary COPY (binary-copy-reader.ts), each row checked where it lies in the received bytes:
// its leaf hashed in place, the stored leaf hash, event id and event type compared as bytes with what the
// canonical bytes say (one walk of the JSON's top level, top-level-string.ts), no string, Buffer or copy per
// field. A row as stored (an export's line, a row read for copying) gets the same checks from checkedEvent().
import { finished } from 'node:stream/promises';
import { BinaryCopyReader, type CopyRow } from './binary-copy-reader';
import { HASH_SIZE, leafHashBinary, leafHashInPlace } from './hashing';
import { stringIs, topLevelStrings } from './top-level-string';

/** The event type the ledger records for a marker leaf (a message that did not parse): `{"id":…,"unparseable":{…}}`. */
export const UNPARSEABLE = 'unparseable';

/** An event row as a verifier judges it: recomputed from the stored bytes and compared with the row's columns. */
export interface CheckedEvent {
  leafIndex: number;
  height: number;
  topic: string;
  partition: number;
  /** The Kafka offset; a bigint beyond 2^53 (or below 0); NaN when NULL. */
  offset: number | bigint;
  /** MTH({canonical}) of the stored bytes, as a 'binary' string. */
  leaf: string;
  leafHashMatches: boolean;
  /** Whether the stored event id is the `id` of the stored bytes. */
  eventIdMatches: boolean;
  /** Whether the stored event type is the type of the stored bytes (eventTypeOf); undefined when no type is stored (an export). */
  eventTypeMatches?: boolean;
}

/** An event row as stored. */
export interface StoredEvent {
  leafIndex: number;
  height: number;
  eventId: string;
  eventType?: string;
  topic: string;
  partition: number;
  offset: string;
  leafHash: Buffer;
  canonical: Buffer;
}

// The columns, cast to the types the reader decodes whatever the replica's columns were altered to, and their fields.
const EVENT_COPY_COLUMNS =
  'leaf_index::int8, height::int8, event_id::text, event_type::text, topic::text, kafka_partition::int4, kafka_offset::int8, leaf_hash::bytea, canonical::bytea';
const [LEAF_INDEX, HEIGHT, EVENT_ID, EVENT_TYPE, TOPIC, PARTITION, OFFSET, LEAF_HASH, CANONICAL] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const FIELDS = 9;
const TWO_32 = 2 ** 32;
const ID = 0;
const TYPE = 1;
const KEYS = [Buffer.from('id'), Buffer.from('type')];
// Bits of identityMatches()' answer.
const ID_MATCHES = 1;
const TYPE_MATCHES = 2;

/** `COPY … TO STDOUT (FORMAT binary)` of the event rows under heights `from..to`, by height then leaf index. */
export function eventsCopySql(from: number, to: number): string {
  // COPY takes no parameters: both are integers.
  return `COPY (SELECT ${EVENT_COPY_COLUMNS} FROM ledger_events WHERE height BETWEEN ${Math.trunc(from)} AND ${Math.trunc(to)} ORDER BY height, leaf_index) TO STDOUT (FORMAT binary)`;
}

/** Every row of an eventsCopySql() stream, as `eventOf` turns it (an eventRowChecker(), or a copy of the row: storedEventOf). */
export async function readEventRows<E>(stream: NodeJS.ReadableStream, eventOf: (row: CopyRow) => E): Promise<E[]> {
  const events: E[] = [];
  const reader = new BinaryCopyReader(FIELDS);
  const collect = (row: CopyRow) => events.push(eventOf(row));
  // 'data' events, not async iteration: that concatenates whatever chunks are buffered into one more copy.
  stream.on('data', (chunk: Buffer) => reader.push(chunk, collect));
  await finished(stream);
  reader.end();
  return events;
}

/** A new row checker for one COPY stream: it remembers the last topic, so consecutive rows share its string. */
export function eventRowChecker(): (row: CopyRow) => CheckedEvent {
  let topic: { bytes: Buffer; text: string } = { bytes: Buffer.alloc(0), text: '' };
  const quotes = new Int32Array(KEYS.length);
  return (row) => {
    const { bytes } = row;
    const canonical = row.start(CANONICAL);
    // The leaf input 0x00 || canonical, in place: the byte before the field (its length word's last) is borrowed.
    const input = bytes.subarray(canonical - 1, canonical + Math.max(0, row.length(CANONICAL)));
    const leaf = leafHashInPlace(input);
    const topicAt = row.start(TOPIC);
    const topicEnd = topicAt + Math.max(0, row.length(TOPIC));
    if (topic.bytes.compare(bytes, topicAt, topicEnd) !== 0)
      topic = { bytes: bytes.subarray(topicAt, topicEnd), text: bytes.toString('utf8', topicAt, topicEnd) };
    const identity = identityMatches(input, 1, quotes, bytes, row.start(EVENT_ID), row.length(EVENT_ID), row.start(EVENT_TYPE), row.length(EVENT_TYPE));
    return {
      leafIndex: Number(int8(row, LEAF_INDEX)),
      height: Number(int8(row, HEIGHT)),
      topic: topic.text,
      partition: row.length(PARTITION) === 4 ? bytes.readInt32BE(row.start(PARTITION)) : NaN,
      offset: int8(row, OFFSET),
      leaf,
      leafHashMatches: row.length(LEAF_HASH) === HASH_SIZE && sameHash(leaf, bytes, row.start(LEAF_HASH)),
      eventIdMatches: (identity & ID_MATCHES) !== 0,
      eventTypeMatches: (identity & TYPE_MATCHES) !== 0,
    };
  };
}

/** The checks of one row as stored, on its bytes (what eventRowChecker() does in the stream). */
export function checkedEvent({ leafIndex, height, eventId, eventType, topic, partition, offset, leafHash, canonical }: StoredEvent): CheckedEvent {
  const leaf = leafHashBinary(canonical);
  const idLength = Buffer.byteLength(eventId);
  const expected = Buffer.from(eventId + (eventType ?? ''), 'utf8');
  const identity = identityMatches(
    canonical,
    0,
    new Int32Array(KEYS.length),
    expected,
    0,
    idLength,
    idLength,
    eventType === undefined ? -1 : expected.length - idLength,
  );
  return {
    leafIndex,
    height,
    topic,
    partition,
    offset: offsetOf(offset),
    leaf,
    leafHashMatches: leafHash.toString('latin1') === leaf,
    eventIdMatches: (identity & ID_MATCHES) !== 0,
    eventTypeMatches: eventType === undefined ? undefined : (identity & TYPE_MATCHES) !== 0,
  };
}

/** An eventsCopySql() row as stored (for an export or a copy: no checks). */
export function storedEventOf(row: CopyRow): Required<StoredEvent> {
  const { bytes } = row;
  const field = (i: number) => bytes.subarray(row.start(i), row.start(i) + Math.max(0, row.length(i)));
  const text = (i: number) => bytes.toString('utf8', row.start(i), row.start(i) + Math.max(0, row.length(i)));
  return {
    leafIndex: Number(int8(row, LEAF_INDEX)),
    height: Number(int8(row, HEIGHT)),
    eventId: text(EVENT_ID),
    eventType: text(EVENT_TYPE),
    topic: text(TOPIC),
    partition: row.length(PARTITION) === 4 ? bytes.readInt32BE(row.start(PARTITION)) : NaN,
    offset: String(int8(row, OFFSET)),
    leafHash: field(LEAF_HASH),
    canonical: field(CANONICAL),
  };
}

/** Decimal digits as a number when exact, else as a bigint (throws for anything else, as BigInt does). */
export function offsetOf(digits: string): number | bigint {
  const value = Number(digits);
  return Number.isSafeInteger(value) && digits !== '' ? value : BigInt(digits);
}

/**
 * Whether the JSON in `json[from..]` claims the id `expected[id, id + idLength)` (ID_MATCHES) and the type
 * `expected[type, type + typeLength)` (TYPE_MATCHES; a length of -1: none stored, never matches), as claimedIdentity
 * says, compared as bytes where the walk is sure.
 */
function identityMatches(
  json: Buffer,
  from: number,
  quotes: Int32Array,
  expected: Buffer,
  id: number,
  idLength: number,
  type: number,
  typeLength: number,
): number {
  // Sure, and a string type (or none stored): no JSON.parse. Else escapes, a marker leaf or no JSON object (rare).
  if (topLevelStrings(json, from, KEYS, quotes) && (quotes[TYPE] >= 0 || typeLength < 0)) {
    return (
      (idLength >= 0 && stringIs(json, quotes[ID], expected, id, id + idLength) ? ID_MATCHES : 0) |
      (typeLength >= 0 && stringIs(json, quotes[TYPE], expected, type, type + typeLength) ? TYPE_MATCHES : 0)
    );
  }
  const claimed = claimedIdentity(json.subarray(from));
  return (
    (idLength >= 0 && claimed.id === expected.toString('utf8', id, id + idLength) ? ID_MATCHES : 0) |
    (typeLength >= 0 && claimed.type === expected.toString('utf8', type, type + typeLength) ? TYPE_MATCHES : 0)
  );
}

/**
 * The id and type an event's bytes claim, as JSON.parse reads them: a string `id`, and the string `type`, or for a
 * marker leaf (no string type, an `unparseable` member) UNPARSEABLE; undefined where the bytes claim none.
 */
function claimedIdentity(canonical: Buffer): { id?: string; type?: string } {
  try {
    const value = JSON.parse(canonical.toString('utf8')) as { id?: unknown; type?: unknown; unparseable?: unknown } | null;
    const id = typeof value?.id === 'string' ? value.id : undefined;
    if (typeof value?.type === 'string') return { id, type: value.type };
    return { id, type: value?.unparseable !== undefined ? UNPARSEABLE : undefined };
  } catch {
    return {};
  }
}

/** Whether the 'binary' string hash is the 32 bytes at `at`. */
function sameHash(hash: string, bytes: Buffer, at: number): boolean {
  for (let i = 0; i < HASH_SIZE; i += 1) if (hash.charCodeAt(i) !== bytes[at + i]) return false;
  return true;
}

/** int8 as two words: exact as a number below 2^53; beyond that (or below 0), as the bigint it is; NaN for NULL. */
function int8(row: CopyRow, field: number): number | bigint {
  const { bytes } = row;
  if (row.length(field) !== 8) return NaN;
  const high = bytes.readInt32BE(row.start(field));
  return high >= 0 && high < 2 ** 21 ? high * TWO_32 + bytes.readUInt32BE(row.start(field) + 4) : bytes.readBigInt64BE(row.start(field));
}
