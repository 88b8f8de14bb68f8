// Encodes event rows in PostgreSQL's binary COPY format, the fastest way to write a block's rows. A
// block's rows are encoded once and the same bytes go to every replica.
import type { EventRow } from '../block/sealed-block';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FIELDS = 9;
// Per row: field count, 9 length words, three int8 values and one int4.
const FIXED_ROW_BYTES = 2 + FIELDS * 4 + 3 * 8 + 4;
const TWO_32 = 2 ** 32;

/** The column list the encoding follows, for `COPY ledger_events (...) FROM STDIN (FORMAT binary)`. */
export const EVENT_COLUMNS = 'leaf_index, height, event_id, event_type, topic, kafka_partition, kafka_offset, leaf_hash, canonical';

/** What a COPY stream starts with: signature, flags, header extension length. */
export const COPY_HEADER = Buffer.concat([SIGNATURE, Buffer.alloc(8)]);
/** What it ends with: a field count of -1. */
export const COPY_TRAILER = Buffer.from([0xff, 0xff]);

// Keyed by the events array of a block: the replicas of one commit share it.
const encoded = new WeakMap<readonly EventRow[], Buffer>();

/** The COPY rows (no header or trailer) of a block's events, encoded on first use. */
export function encodedRowsOf(events: readonly EventRow[]): Buffer {
  let rows = encoded.get(events);
  if (rows === undefined) {
    rows = encodeRows(events);
    encoded.set(events, rows);
  }
  return rows;
}

function encodeRows(rows: readonly EventRow[]): Buffer {
  let size = 0;
  for (const row of rows) {
    size +=
      FIXED_ROW_BYTES +
      Buffer.byteLength(row.eventId) +
      Buffer.byteLength(row.eventType) +
      Buffer.byteLength(row.topic) +
      row.leafHash.length +
      row.canonical.length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  const text = (value: string) => {
    const length = out.write(value, at + 4, 'utf8');
    out.writeInt32BE(length, at);
    at += 4 + length;
  };
  const bytes = (value: Buffer) => {
    at = out.writeInt32BE(value.length, at);
    at += value.copy(out, at);
  };
  // Leaf indexes, heights and Kafka offsets are non-negative safe integers: two 32-bit words, no BigInt.
  const int8 = (value: number) => {
    at = out.writeInt32BE(8, at);
    at = out.writeUInt32BE(Math.floor(value / TWO_32), at);
    at = out.writeUInt32BE(value % TWO_32, at);
  };
  for (const row of rows) {
    at = out.writeInt16BE(FIELDS, at);
    int8(row.leafIndex);
    int8(row.height);
    text(row.eventId);
    text(row.eventType);
    text(row.topic);
    at = out.writeInt32BE(4, at);
    at = out.writeInt32BE(row.partition, at);
    int8(offsetNumber(row.offset));
    bytes(row.leafHash);
    bytes(row.canonical);
  }
  return out;
}

function offsetNumber(offset: string): number {
  const value = Number(offset);
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`Kafka offset ${offset} is not a safe non-negative integer`);
  return value;
}
