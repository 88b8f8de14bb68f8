// Reads a ledger replica's tables, on one REPEATABLE READ snapshot the caller opened, as pages of
// blocks and their event rows for the verifier and the exporter. Event rows come by binary COPY (see
// binary-copy-reader.ts): most of a replica's bytes, read without pg's row objects or hex. For the verifier
// each row is checked where it lies in the stream (checkedRow): its leaf hashed in place, the stored leaf
// hash and event id compared as bytes, no string, copy or Buffer per field.
import { finished } from 'node:stream/promises';
import type { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { HASH_SIZE, leafHashInPlace } from '@medshare/merkle';
import { BinaryCopyReader, type CopyRow } from './binary-copy-reader';
import type { CheckedEvent, LedgerBlock, LedgerEvent, LedgerPage, LedgerSource, OffsetRange } from './ledger-verifier';
import { topLevelStringIs } from './top-level-string';

const PAGE_HEIGHTS = 50;
const EVENT_COLUMNS = 'leaf_index, height, event_id, topic, kafka_partition, kafka_offset, leaf_hash, canonical';
// Cast to the types the binary reader decodes, whatever the replica's columns were altered to.
const EVENT_COPY_COLUMNS =
  'leaf_index::int8, height::int8, event_id::text, topic::text, kafka_partition::int4, kafka_offset::int8, leaf_hash::bytea, canonical::bytea';
const TWO_32 = 2 ** 32;
const ID_KEY = Buffer.from('id', 'utf8');
// The fields of EVENT_COPY_COLUMNS.
const [LEAF_INDEX, HEIGHT, EVENT_ID, TOPIC, PARTITION, OFFSET, LEAF_HASH, CANONICAL] = [0, 1, 2, 3, 4, 5, 6, 7];

interface BlockRow {
  height: string;
  previous_hash: string;
  merkle_root: string;
  event_count: number;
  tree_size: string;
  tree_root: string;
  offsets: OffsetRange[];
  block_time: string;
  block_hash: string;
  signature: string;
  checkpoint: string;
  tree_state: unknown;
}

interface EventRow {
  leaf_index: string;
  height: string;
  event_id: string;
  topic: string;
  kafka_partition: number;
  kafka_offset: string;
  leaf_hash: Buffer;
  canonical: Buffer;
}

export class ReplicaSource implements LedgerSource {
  constructor(private readonly client: Client) {}

  /** The highest block height stored (-1 when empty). */
  async headHeight(): Promise<number> {
    const { rows } = await this.client.query<{ height: string | null }>('SELECT max(height) AS height FROM ledger_blocks');
    return rows[0].height === null ? -1 : Number(rows[0].height);
  }

  /** Pages with each event row checked as it was read (the verifier's). */
  pages(): AsyncIterable<LedgerPage> {
    return this.read(checkedRow);
  }

  /** Pages with the event rows as stored (the exporter's). */
  rows(): AsyncIterable<LedgerPage<LedgerEvent>> {
    return this.read(() => copiedEvent);
  }

  /** `eventOf` is called once per COPY stream for the function that turns its rows into events. */
  private async *read<E>(eventOf: () => (row: CopyRow) => E): AsyncIterable<LedgerPage<E>> {
    const head = await this.headHeight();
    const read = (from: number) => {
      const to = Math.min(head, from + PAGE_HEIGHTS - 1);
      const page = Promise.all([
        this.client.query<BlockRow>(
          'SELECT height, previous_hash, merkle_root, event_count, tree_size, tree_root, offsets, block_time, block_hash, signature, checkpoint, tree_state FROM ledger_blocks WHERE height BETWEEN $1 AND $2 ORDER BY height',
          [from, to],
        ),
        this.copyEvents(from, to, eventOf()),
      ]);
      // Awaited on the next turn; a caller that stops early must not leave it unhandled.
      page.catch(() => undefined);
      return page;
    };
    let next = head >= 0 ? read(0) : undefined;
    for (let from = 0; next !== undefined; from += PAGE_HEIGHTS) {
      const [blocks, events] = await next;
      // The next page is read while the caller checks this one: the server works while this thread hashes.
      next = from + PAGE_HEIGHTS <= head ? read(from + PAGE_HEIGHTS) : undefined;
      yield { blocks: blocks.rows.map(blockOf), events };
    }
  }

  /** Event rows under heights `from..to`, by height then leaf index. */
  private async copyEvents<E>(from: number, to: number, eventOf: (row: CopyRow) => E): Promise<E[]> {
    // COPY takes no parameters: both are integers this process computed.
    const sql = `COPY (SELECT ${EVENT_COPY_COLUMNS} FROM ledger_events WHERE height BETWEEN ${Math.trunc(from)} AND ${Math.trunc(to)} ORDER BY height, leaf_index) TO STDOUT (FORMAT binary)`;
    const events: E[] = [];
    const reader = new BinaryCopyReader(8);
    const collect = (row: CopyRow) => events.push(eventOf(row));
    const stream = this.client.query(copyTo(sql));
    // 'data' events, not async iteration: that concatenates whatever chunks are buffered into one more copy.
    stream.on('data', (chunk: Buffer) => reader.push(chunk, collect));
    await finished(stream);
    reader.end();
    return events;
  }

  /** Event rows under a height no block up to `headHeight` can have (what an export must carry along). */
  async eventsOutside(headHeight: number): Promise<LedgerEvent[]> {
    const { rows } = await this.client.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM ledger_events WHERE height > $1 OR height < 0 ORDER BY leaf_index`, [
      headHeight,
    ]);
    return rows.map(eventOf);
  }

  async strays(treeSize: number, headHeight: number): Promise<{ leafIndex: number; height: number }[]> {
    const { rows } = await this.client.query<{ leaf_index: string; height: string }>(
      'SELECT leaf_index, height FROM ledger_events WHERE leaf_index >= $1 OR height > $2 OR height < 0 ORDER BY leaf_index LIMIT 100',
      [treeSize, headHeight],
    );
    return rows.map((row) => ({ leafIndex: Number(row.leaf_index), height: Number(row.height) }));
  }
}

function blockOf(row: BlockRow): LedgerBlock {
  return {
    // The header is rebuilt from the columns exactly as signed, so an edit to any column changes its hash.
    header: {
      height: Number(row.height),
      previousHash: row.previous_hash,
      merkleRoot: row.merkle_root,
      eventCount: row.event_count,
      treeSize: Number(row.tree_size),
      treeRoot: row.tree_root,
      offsets: row.offsets,
      time: row.block_time,
    },
    blockHash: row.block_hash,
    signature: row.signature,
    checkpoint: row.checkpoint,
    treeState: row.tree_state,
  };
}

/** A new row checker for one COPY stream: it remembers the last topic, so consecutive rows share its string. */
function checkedRow(): (row: CopyRow) => CheckedEvent {
  let topic: { bytes: Buffer; text: string } = { bytes: Buffer.alloc(0), text: '' };
  return (row) => {
    const { bytes } = row;
    const canonical = row.start(CANONICAL);
    // The leaf input 0x00 || canonical, in place: the byte before the field (its length word's last) is borrowed.
    const input = bytes.subarray(canonical - 1, canonical + Math.max(0, row.length(CANONICAL)));
    const leaf = leafHashInPlace(input);
    const id = row.start(EVENT_ID);
    const idLength = row.length(EVENT_ID);
    const topicAt = row.start(TOPIC);
    const topicEnd = topicAt + Math.max(0, row.length(TOPIC));
    if (topic.bytes.compare(bytes, topicAt, topicEnd) !== 0)
      topic = { bytes: bytes.subarray(topicAt, topicEnd), text: bytes.toString('utf8', topicAt, topicEnd) };
    return {
      leafIndex: Number(int8(row, LEAF_INDEX)),
      height: Number(int8(row, HEIGHT)),
      topic: topic.text,
      partition: row.length(PARTITION) === 4 ? bytes.readInt32BE(row.start(PARTITION)) : NaN,
      offset: int8(row, OFFSET),
      leaf,
      leafHashMatches: row.length(LEAF_HASH) === HASH_SIZE && sameHash(leaf, bytes, row.start(LEAF_HASH)),
      eventIdMatches: idLength >= 0 && topLevelStringIs(input, 1, ID_KEY, bytes, id, id + idLength),
    };
  };
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

function copiedEvent(row: CopyRow): LedgerEvent {
  const { bytes } = row;
  const field = (i: number) => bytes.subarray(row.start(i), row.start(i) + Math.max(0, row.length(i)));
  const text = (i: number) => bytes.toString('utf8', row.start(i), row.start(i) + Math.max(0, row.length(i)));
  return {
    leafIndex: Number(int8(row, LEAF_INDEX)),
    height: Number(int8(row, HEIGHT)),
    eventId: text(EVENT_ID),
    topic: text(TOPIC),
    partition: row.length(PARTITION) === 4 ? bytes.readInt32BE(row.start(PARTITION)) : NaN,
    offset: String(int8(row, OFFSET)),
    leafHash: field(LEAF_HASH),
    canonical: field(CANONICAL),
  };
}

function eventOf(row: EventRow): LedgerEvent {
  return {
    leafIndex: Number(row.leaf_index),
    height: Number(row.height),
    eventId: row.event_id,
    topic: row.topic,
    partition: row.kafka_partition,
    offset: row.kafka_offset,
    leafHash: row.leaf_hash,
    canonical: row.canonical,
  };
}
