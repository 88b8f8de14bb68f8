// One ledger replica: an independent PostgreSQL database holding a full copy of the chain. Reads go
// through a small pool; writes only through the writer session, the connection that holds the
// replica's writer lock, so a block can only land where this instance is the single active writer.
import { Client, Pool, type PoolClient, type QueryConfig } from 'pg';
import { to as copyTo, type CopyToStreamQuery } from 'pg-copy-streams';
import { eventRowChecker, eventsCopySql, readEventRows, type CheckedEvent } from '@medshare/merkle';
import { observePgPool, openDatabase } from '@medshare/service-kit';
import { SerialQueue } from '../writer/serial-queue';
import type { EventRow, SealedBlock } from '../block/sealed-block';
import type { OffsetCursor } from '../block/offset-cursor';
import type { StoredBlock } from '../verification/chain-verifier';
import { BLOCK_COLUMNS, sqlInteger, writeBlocks } from './block-write';
import { replicaMigrations } from './migrations';
import type { ChainReplica, ReplicaHead } from './replica-set';

export type { ReplicaHead } from './replica-set';

/** The advisory lock a writer holds on every replica of its majority; one chain per database. */
const WRITER_LOCK = 'medshare.ledger.writer';

/** Reads on one snapshot (verification, export) may take long on a big chain, but never for ever. */
const SNAPSHOT_QUERY_TIMEOUT_MS = 120_000;

const TIP_QUERY = 'SELECT height, block_hash FROM ledger_blocks ORDER BY height DESC LIMIT 1';
const EVENT_SELECT = 'leaf_index, height, event_id, event_type, topic, kafka_partition, kafka_offset, leaf_hash, canonical';

type Query = <R extends object>(text: string, params?: unknown[]) => Promise<{ rows: R[] }>;

/** Reads of the chain tables, through the pool or inside one snapshot transaction. */
export class ReplicaReader {
  constructor(protected readonly query: Query) {}

  async head(): Promise<ReplicaHead | undefined> {
    const { rows } = await this.query<{ height: string; block_hash: string }>(TIP_QUERY);
    return rows[0] === undefined ? undefined : { height: Number(rows[0].height), blockHash: rows[0].block_hash };
  }

  async blockHashes(fromHeight: number, toHeight: number): Promise<Map<number, string>> {
    const { rows } = await this.query<{ height: string; block_hash: string }>('SELECT height, block_hash FROM ledger_blocks WHERE height BETWEEN $1 AND $2', [
      fromHeight,
      toHeight,
    ]);
    return new Map(rows.map((row) => [Number(row.height), row.block_hash]));
  }

  /** Block rows as stored, heights ascending, for the verifier (nothing about them believed yet). */
  async storedBlocks(fromHeight: number, toHeight: number): Promise<StoredBlock[]> {
    const { rows } = await this.query<BlockRow>(`SELECT ${BLOCK_COLUMNS} FROM ledger_blocks WHERE height BETWEEN $1 AND $2 ORDER BY height`, [
      fromHeight,
      toHeight,
    ]);
    return rows.map(storedBlockOf);
  }

  /** Event rows stored under the given heights, by height then leaf index. */
  async events(fromHeight: number, toHeight: number): Promise<EventRow[]> {
    const { rows } = await this.query<EventRowData>(`SELECT ${EVENT_SELECT} FROM ledger_events WHERE height BETWEEN $1 AND $2 ORDER BY height, leaf_index`, [
      fromHeight,
      toHeight,
    ]);
    return rows.map(eventRowOf);
  }

  /** Event rows no block of the chain can hold: beyond the tree or under a height above the head. */
  async strayEvents(treeSize: number, headHeight: number): Promise<{ leafIndex: number; height: number }[]> {
    const { rows } = await this.query<{ leaf_index: string; height: string }>(
      'SELECT leaf_index, height FROM ledger_events WHERE leaf_index >= $1 OR height > $2 OR height < 0 ORDER BY leaf_index LIMIT 100',
      [treeSize, headHeight],
    );
    return rows.map((row) => ({ leafIndex: Number(row.leaf_index), height: Number(row.height) }));
  }

  /** The first leaf recorded for an event id (an id seen twice on Kafka is two leaves). */
  async eventById(eventId: string): Promise<{ leafIndex: number; canonical: Buffer } | undefined> {
    const { rows } = await this.query<{ leaf_index: string; canonical: Buffer }>(
      'SELECT leaf_index, canonical FROM ledger_events WHERE event_id = $1 ORDER BY leaf_index LIMIT 1',
      [eventId],
    );
    return rows[0] === undefined ? undefined : { leafIndex: Number(rows[0].leaf_index), canonical: rows[0].canonical };
  }

  /**
   * Per height up to `toHeight`, a version of its rows that any edit, delete or insert changes: the block
   * row's xmin, and the event rows' count and sum of xmins (an edited row gets a new, higher xmin).
   * Reads no event bytes, but scans the event table (~0.2 s for 250k events).
   */
  async rowVersions(toHeight: number): Promise<Map<number, string>> {
    const [blocks, events] = await Promise.all([
      this.query<{ height: string; version: string }>('SELECT height, xmin::text AS version FROM ledger_blocks WHERE height <= $1', [toHeight]),
      this.query<{ height: string; version: string }>(
        "SELECT height, count(*)::text || ':' || sum(xmin::text::bigint)::text AS version FROM ledger_events WHERE height <= $1 GROUP BY height",
        [toHeight],
      ),
    ]);
    const [ofBlocks, ofEvents] = [blocks, events].map(({ rows }) => new Map(rows.map((row) => [Number(row.height), row.version])));
    const heights = new Set([...ofBlocks.keys(), ...ofEvents.keys()]);
    return new Map([...heights].map((height) => [height, `${ofBlocks.get(height) ?? '-'}/${ofEvents.get(height) ?? '-'}`]));
  }

  /** The checkpoint of the last block whose tree ends in (after, limit], else of the first one ending above `after`. */
  async checkpointAfter(after: number, limit: number): Promise<string | undefined> {
    const within = await this.query<{ checkpoint: string }>(
      'SELECT checkpoint FROM ledger_blocks WHERE tree_size > $1 AND tree_size <= $2 ORDER BY height DESC LIMIT 1',
      [after, limit],
    );
    if (within.rows[0]) return within.rows[0].checkpoint;
    const beyond = await this.query<{ checkpoint: string }>('SELECT checkpoint FROM ledger_blocks WHERE tree_size > $1 ORDER BY height LIMIT 1', [after]);
    return beyond.rows[0]?.checkpoint;
  }

  async leafHashes(fromLeaf: number, toLeafExclusive: number): Promise<Buffer[]> {
    const { rows } = await this.query<{ leaf_hash: Buffer }>(
      'SELECT leaf_hash FROM ledger_events WHERE leaf_index >= $1 AND leaf_index < $2 ORDER BY leaf_index',
      [fromLeaf, toLeafExclusive],
    );
    return rows.map((row) => row.leaf_hash);
  }
}

/** Reads inside one snapshot transaction, on its own client: event rows by binary COPY for verification. */
export class SnapshotReader extends ReplicaReader {
  constructor(private readonly client: PoolClient) {
    // pg reads query_timeout per query too; its types do not know it.
    super((text, params) => client.query({ text, values: params, query_timeout: SNAPSHOT_QUERY_TIMEOUT_MS } as QueryConfig));
  }

  /**
   * Event rows under the given heights, by height then leaf index, each checked where it lies in the COPY stream
   * (leaf hash, event id and type against its bytes: @medshare/merkle ledger-events.ts, the CLI's reading too).
   */
  async checkedEvents(fromHeight: number, toHeight: number): Promise<CheckedEvent[]> {
    const stream: CopyToStreamQuery & { callback?: () => void } = Object.assign(copyTo(eventsCopySql(fromHeight, toHeight)), {
      query_timeout: SNAPSHOT_QUERY_TIMEOUT_MS,
    });
    try {
      return await readEventRows(this.client.query(stream), eventRowChecker());
    } finally {
      // pg clears its read timeout in the query's callback, which a COPY stream never calls: without this the timer
      // outlives the COPY and fails the stream (or whatever the client runs then) when it fires.
      stream.callback?.();
    }
  }
}

/**
 * A server that stops answering (frozen, or a network that drops packets) must cost a bounded wait,
 * never a hung commit: connects, queries and whole write transactions time out after `timeoutMs`.
 */
export class Replica extends ReplicaReader implements ChainReplica {
  readonly name: string;
  readonly address: string;
  private readonly pool: Pool;
  private session?: Client;
  private renewal?: NodeJS.Timeout;
  private renewing = false;
  // One transaction at a time on the session: a slow block write and a repair must not interleave.
  private readonly transactions = new SerialQueue();
  private schemaReady = false;

  constructor(
    index: number,
    private readonly url: string,
    private readonly onSessionLost: (replica: Replica, reason: string) => void,
    private readonly timeoutMs = 5000,
    /** The writer's lease: its replica's server ends a writer session idle for this long, which frees the lock. */
    private readonly leaseMs = 5000,
  ) {
    const pool = new Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      idleTimeoutMillis: 10_000,
      keepAlive: true,
    });
    super((text, params) => pool.query(text, params));
    this.pool = pool;
    const parsed = new URL(url);
    this.name = `replica-${index + 1}`;
    observePgPool(this.name, pool);
    this.address = `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
    // A replica going away must not crash the process: idle clients report it here.
    this.pool.on('error', () => undefined);
  }

  /** Runs reads on one consistent snapshot (REPEATABLE READ, read only): blocks written meanwhile stay out of sight. */
  async snapshot<T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // The pool listens for errors of idle clients only: a replica going away while the snapshot is open (between
    // two of its queries) would be an unhandled 'error' event and end the process. The next query rejects instead.
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on('error', onError);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await work(new SnapshotReader(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', onError);
      // A client whose connection broke is dropped, not handed to the next caller.
      client.release(lost);
    }
  }

  get holdsWriterLock(): boolean {
    return this.session !== undefined;
  }

  /** Answers within a second or fails: readiness must not wait for a frozen server. */
  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${this.name} did not answer within 1 s`)), 1000)));
    try {
      await Promise.race([this.pool.query('SELECT 1'), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Creates the database and runs the replica migrations once per process. */
  async ensureSchema(): Promise<void> {
    if (this.schemaReady) return;
    const dataSource = await openDatabase({ url: this.url, entities: [], migrations: replicaMigrations, migrationsTableName: 'ledger_migrations' });
    await dataSource.destroy();
    this.schemaReady = true;
  }

  /** Opens the writer session and tries the writer lock; false (and no session) when another instance holds it. */
  async acquireWriterLock(): Promise<boolean> {
    if (this.session) return true;
    await this.ensureSchema();
    // statement_timeout bounds a server that is slow but alive; query_timeout one that does not answer at all.
    // The lease: the server itself ends the session (and so frees the lock) when the writer shows no sign of
    // life for leaseMs, idle or in a transaction: a frozen or cut-off writer loses it without anyone's help.
    const lease = `-c idle_session_timeout=${this.leaseMs} -c idle_in_transaction_session_timeout=${this.leaseMs}`;
    const client = new Client({
      connectionString: this.url,
      connectionTimeoutMillis: this.timeoutMs,
      query_timeout: this.timeoutMs,
      statement_timeout: this.timeoutMs,
      keepAlive: true,
      options: lease,
    });
    client.on('error', (error) => this.loseSession(client, error.message));
    client.on('end', () => this.loseSession(client, 'connection ended'));
    await client.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [WRITER_LOCK]);
      if (rows[0].locked) {
        this.session = client;
        this.renewal = setInterval(() => this.renew(client), Math.floor(this.leaseMs / 3));
        return true;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    await client.end().catch(() => undefined);
    return false;
  }

  /** Ends the writer session, which releases the lock (at once, or when a frozen server wakes up). */
  async releaseWriterLock(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    clearInterval(this.renewal);
    if (!session) return;
    const ended = session.end().catch(() => undefined);
    const timer = setTimeout(() => session.connection.stream.destroy(), this.timeoutMs);
    await ended;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await this.releaseWriterLock();
    // A frozen server never completes the goodbye: shutdown waits for it no longer than for a query.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.pool.end().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, this.timeoutMs)))]);
    clearTimeout(timer);
  }

  /**
   * Appends blocks (events by binary COPY, then headers) in one transaction of the writer session, in two round
   * trips (block-write.ts), refusing if the replica's chain does not end where the first block links to.
   */
  async append(blocks: readonly SealedBlock[]): Promise<void> {
    if (blocks.length === 0) return;
    const { height, previousHash } = blocks[0].header;
    await this.inTransaction(async (client) => {
      const written = await writeBlocks(client, blocks, TIP_QUERY);
      // The tip first: a replica that does not end where the blocks link is refused as such, whatever its rows then did.
      if (written.selected) {
        const [row] = written.rows;
        const tip = row === undefined ? { height: -1, hash: previousHash } : { height: Number(row[0]), hash: row[1] };
        if (tip.height !== height - 1 || tip.hash !== previousHash) throw new Error(`${this.name} does not end at block ${height - 1} of the chain`);
      }
      if (written.error) throw written.error;
    });
  }

  /** Drops a stale or divergent tail (blocks above `height`) and event rows no block up to it holds, in one transaction. */
  async truncateAbove(height: number, treeSize: number): Promise<void> {
    await this.inTransaction(async (client) => {
      await client.query('BEGIN');
      await client.query('DELETE FROM ledger_events WHERE height > $1 OR leaf_index >= $2 OR height < 0', [height, treeSize]);
      await client.query('DELETE FROM ledger_blocks WHERE height > $1', [height]);
    });
  }

  /**
   * Replaces whole blocks with the given (verified) copies, and drops event rows no block holds, in
   * one transaction: the repair of a tampered replica.
   */
  async replace(blocks: readonly SealedBlock[], tree: { treeSize: number; headHeight: number }): Promise<void> {
    const deletes = blocks.map(({ header }) => {
      const first = header.treeSize - header.eventCount;
      return `DELETE FROM ledger_events WHERE height = ${sqlInteger(header.height)} OR (leaf_index >= ${sqlInteger(first)} AND leaf_index < ${sqlInteger(header.treeSize)})`;
    });
    if (blocks.length > 0) deletes.push(`DELETE FROM ledger_blocks WHERE height IN (${blocks.map(({ header }) => sqlInteger(header.height)).join(', ')})`);
    deletes.push(`DELETE FROM ledger_events WHERE leaf_index >= ${sqlInteger(tree.treeSize)} OR height > ${sqlInteger(tree.headHeight)} OR height < 0`);
    await this.inTransaction(async (client) => {
      const { error } = await writeBlocks(client, blocks, deletes.join('; '));
      if (error) throw error;
    });
  }

  /**
   * One transaction of the writer session; `work` begins it (its first statement is BEGIN). A transaction not done
   * within the timeout costs the session (and the lock): the server rolls back when it notices, and the writer
   * catches the replica up later.
   */
  private inTransaction(work: (client: Client) => Promise<void>): Promise<void> {
    return this.transactions.run(() => this.transaction(work));
  }

  private async transaction(work: (client: Client) => Promise<void>): Promise<void> {
    const client = this.session;
    if (!client) throw new Error(`${this.name}: no writer session`);
    const timer = setTimeout(() => this.loseSession(client, `no answer within ${this.timeoutMs} ms`), this.timeoutMs);
    try {
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      if (this.session === client) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Renews the lease: a statement on the session, unless one is under way (a busy session is not idle). */
  private renew(client: Client): void {
    if (this.renewing || this.session !== client) return;
    this.renewing = true;
    // A failure ends the session through its 'error' handler.
    void this.transactions
      .run(() => client.query('SELECT 1'))
      .catch(() => undefined)
      .finally(() => (this.renewing = false));
  }

  private loseSession(client: Client, reason: string): void {
    if (this.session !== client) return;
    this.session = undefined;
    clearInterval(this.renewal);
    // Not end(): a server that does not answer would never complete its goodbye.
    client.connection.stream.destroy();
    this.onSessionLost(this, reason);
  }
}

interface BlockRow {
  height: string;
  previous_hash: string;
  merkle_root: string;
  event_count: number;
  tree_size: string;
  tree_root: string;
  offsets: unknown;
  block_time: string;
  block_hash: string;
  signature: string;
  checkpoint: string;
  tree_state: unknown;
  kafka_cursor: OffsetCursor;
}

function storedBlockOf(row: BlockRow): StoredBlock {
  const height = Number(row.height);
  return {
    height,
    // The header is rebuilt from the columns exactly as signed, so an edit to any column changes its hash.
    header: {
      height,
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
    cursor: row.kafka_cursor,
  };
}

interface EventRowData {
  leaf_index: string;
  height: string;
  event_id: string;
  event_type: string;
  topic: string;
  kafka_partition: number;
  kafka_offset: string;
  leaf_hash: Buffer;
  canonical: Buffer;
}

function eventRowOf(row: EventRowData): EventRow {
  return {
    leafIndex: Number(row.leaf_index),
    height: Number(row.height),
    eventId: row.event_id,
    eventType: row.event_type,
    topic: row.topic,
    partition: row.kafka_partition,
    offset: row.kafka_offset,
    leafHash: row.leaf_hash,
    canonical: row.canonical,
  };
}
