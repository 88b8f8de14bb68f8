// Reads a ledger replica's tables, on one REPEATABLE READ snapshot the caller opened, as pages of
// blocks and their event rows for the verifier and the exporter. Event rows come by binary COPY, each
// checked where it lies in the stream (@medshare/merkle ledger-events.ts, shared with the ledger service's
// verification): most of a replica's bytes, read without pg's row objects or hex.
import type { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { eventRowChecker, eventsCopySql, readEventRows, storedEventOf, type CheckedEvent, type CopyRow } from '@medshare/merkle';
import type { LedgerBlock, LedgerEvent, LedgerPage, LedgerSource, OffsetRange } from './ledger-verifier';

const PAGE_HEIGHTS = 50;
const EVENT_COLUMNS = 'leaf_index, height, event_id, topic, kafka_partition, kafka_offset, leaf_hash, canonical';

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
    return this.read<CheckedEvent>(eventRowChecker);
  }

  /** Pages with the event rows as stored (the exporter's). */
  rows(): AsyncIterable<LedgerPage<LedgerEvent>> {
    return this.read<LedgerEvent>(() => storedEventOf);
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
  private copyEvents<E>(from: number, to: number, eventOf: (row: CopyRow) => E): Promise<E[]> {
    return readEventRows(this.client.query(copyTo(eventsCopySql(from, to))), eventOf);
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
