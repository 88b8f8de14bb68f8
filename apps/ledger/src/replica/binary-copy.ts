// Encodes event rows in PostgreSQL's binary COPY format, the fastest way to write a block's rows.
import type { EventRow } from '../block/sealed-block';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FIELDS = 9;
// Per row: field count, 9 length words, three int8 values and one int4.
const FIXED_ROW_BYTES = 2 + FIELDS * 4 + 3 * 8 + 4;

/** The column list the encoding follows, for `COPY ledger_events (...) FROM STDIN (FORMAT binary)`. */
export const EVENT_COLUMNS = 'leaf_index, height, event_id, event_type, topic, kafka_partition, kafka_offset, leaf_hash, canonical';

export function encodeEventRows(rows: readonly EventRow[]): Buffer {
  const texts = rows.map((row) => [Buffer.from(row.eventId, 'utf8'), Buffer.from(row.eventType, 'utf8'), Buffer.from(row.topic, 'utf8')]);
  let size = SIGNATURE.length + 8 + 2;
  rows.forEach((row, i) => {
    size += FIXED_ROW_BYTES + texts[i][0].length + texts[i][1].length + texts[i][2].length + row.leafHash.length + row.canonical.length;
  });
  const out = Buffer.allocUnsafe(size);
  let at = SIGNATURE.copy(out, 0);
  at = out.writeInt32BE(0, at);
  at = out.writeInt32BE(0, at);
  const bytes = (value: Buffer) => {
    at = out.writeInt32BE(value.length, at);
    at += value.copy(out, at);
  };
  const int8 = (value: number | string) => {
    at = out.writeInt32BE(8, at);
    at = out.writeBigInt64BE(BigInt(value), at);
  };
  rows.forEach((row, i) => {
    at = out.writeInt16BE(FIELDS, at);
    int8(row.leafIndex);
    int8(row.height);
    bytes(texts[i][0]);
    bytes(texts[i][1]);
    bytes(texts[i][2]);
    at = out.writeInt32BE(4, at);
    at = out.writeInt32BE(row.partition, at);
    int8(row.offset);
    bytes(row.leafHash);
    bytes(row.canonical);
  });
  out.writeInt16BE(-1, at);
  return out;
}
