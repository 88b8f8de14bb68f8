// Reads a ledger replica's tables, on one REPEATABLE READ snapshot the caller opened, as pages of
// blocks and their event rows for the verifier and the exporter. Event rows come by binary COPY (see
// binary-copy-reader.ts): most of a replica's bytes, read without pg's row objects or hex.
import { finished } from 'node:stream/promises';
import type { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { BinaryCopyReader, type CopyRow } from './binary-copy-reader';
import type { LedgerBlock, LedgerEvent, LedgerPage, LedgerSource, OffsetRange } from './ledger-verifier';

const PAGE_HEIGHTS = 50;
const EVENT_COLUMNS = 'leaf_index, height, event_id, topic, kafka_partition, kafka_offset, leaf_hash, canonical';
// Cast to the types the binary reader decodes, whatever the replica's columns were altered to.
const EVENT_COPY_COLUMNS =
  'leaf_index::int8, height::int8, event_id::text, topic::text, kafka_partition::int4, kafka_offset::int8, leaf_hash::bytea, canonical::bytea';
const TWO_32 = 2 ** 32;

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

  async *pages(): AsyncIterable<LedgerPage> {
    const head = await this.headHeight();
    const read = (from: number) => {
      const to = Math.min(head, from + PAGE_HEIGHTS - 1);
      const page = Promise.all([
        this.client.query<BlockRow>(
          'SELECT height, previous_hash, merkle_root, event_count, tree_size, tree_root, offsets, block_time, block_hash, signature, checkpoint, tree_state FROM ledger_blocks WHERE height BETWEEN $1 AND $2 ORDER BY height',
          [from, to],
        ),
        this.copyEvents(from, to),
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
  private async copyEvents(from: number, to: number): Promise<LedgerEvent[]> {
    // COPY takes no parameters: both are integers this process computed.
    const sql = `COPY (SELECT ${EVENT_COPY_COLUMNS} FROM ledger_events WHERE height BETWEEN ${Math.trunc(from)} AND ${Math.trunc(to)} ORDER BY height, leaf_index) TO STDOUT (FORMAT binary)`;
    const events: LedgerEvent[] = [];
    const reader = new BinaryCopyReader(8);
    const collect = (row: CopyRow) => events.push(copiedEvent(row));
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

function copiedEvent(row: CopyRow): LedgerEvent {
  const { bytes } = row;
  const field = (i: number) => bytes.subarray(row.start(i), row.start(i) + Math.max(0, row.length(i)));
  const text = (i: number) => bytes.toString('utf8', row.start(i), row.start(i) + Math.max(0, row.length(i)));
  // int8 as two words: exact as a number below 2^53; beyond that, as the bigint it is.
  const int8 = (i: number): number | bigint => {
    if (row.length(i) !== 8) return NaN;
    const high = bytes.readInt32BE(row.start(i));
    return high >= 0 && high < 2 ** 21 ? high * TWO_32 + bytes.readUInt32BE(row.start(i) + 4) : bytes.readBigInt64BE(row.start(i));
  };
  return {
    leafIndex: Number(int8(0)),
    height: Number(int8(1)),
    eventId: text(2),
    topic: text(3),
    partition: row.length(4) === 4 ? bytes.readInt32BE(row.start(4)) : NaN,
    offset: String(int8(5)),
    leafHash: field(6),
    canonical: field(7),
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
