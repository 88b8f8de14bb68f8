// A block write's statements in one round trip: `BEGIN`, what must run before the rows (the tip query of an append,
// the deletes of a repair), `COPY ledger_events ... FROM STDIN` and the INSERT of the block rows go as one simple
// query, and the COPY rows follow it at once instead of after the server's CopyInResponse. PostgreSQL reads them
// when the COPY starts, and drops them unread if a statement before it failed ("accept but ignore", protocol
// §55.2.6). The transaction stays open: the caller commits (the second and last round trip) or rolls back.
// Before, a block write took five round trips per replica (BEGIN + tip, COPY, its rows, INSERT, COMMIT), and a
// commit's latency is its round trips on the slower replica of the quorum.
import { escapeLiteral, type Client, type Connection } from 'pg';
import type { SealedBlock } from '../block/sealed-block';
import { COPY_HEADER, COPY_TRAILER, encodedRowsOf, EVENT_COLUMNS } from './binary-copy';

export const BLOCK_COLUMNS =
  'height, previous_hash, merkle_root, event_count, tree_size, tree_root, offsets, block_time, block_hash, signature, checkpoint, tree_state, kafka_cursor';

const COPY_DATA = 0x64;
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);

/** The rows of the last SELECT before the COPY (text format), and whether that SELECT ran at all. */
export interface BlockWriteResult {
  selected: boolean;
  rows: (string | null)[][];
  /** The statement that failed, if one did: the rest of the query did not run and the transaction is aborted. */
  error?: Error;
}

/**
 * Submitted through `client.query`: sends `BEGIN; <before>; COPY ...; INSERT ...` with the COPY rows of `blocks` behind
 * it. `done` resolves when the server is ready again (with the error of the statement that failed, if one did).
 */
export class BlockWrite {
  readonly done: Promise<BlockWriteResult>;
  private readonly result: BlockWriteResult = { selected: false, rows: [] };
  private resolve!: (result: BlockWriteResult) => void;
  private settled = false;

  constructor(
    private readonly blocks: readonly SealedBlock[],
    private readonly before: string,
  ) {
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  /** Does nothing itself: pg wraps it with its query timeout, whose timer calling it clears (a timeout comes to handleError). */
  callback(): void {}

  submit(connection: Connection): void {
    const rows = this.blocks.map((block) => encodedRowsOf(block.events));
    const length = rows.reduce((sum, each) => sum + each.length, 0);
    const statements = ['BEGIN', this.before];
    if (length > 0) statements.push(`COPY ledger_events (${EVENT_COLUMNS}) FROM STDIN (FORMAT binary)`);
    if (this.blocks.length > 0) statements.push(insertBlocks(this.blocks));
    const { stream } = connection;
    // One write of the query and every row (the socket gathers the pieces), no copy of the rows.
    stream.cork();
    connection.query(statements.join('; '));
    if (length > 0) {
      // One CopyData message: type, then its length including the length word itself.
      const message = Buffer.allocUnsafe(5);
      message[0] = COPY_DATA;
      message.writeUInt32BE(4 + COPY_HEADER.length + length + COPY_TRAILER.length, 1);
      for (const piece of [message, COPY_HEADER, ...rows, COPY_TRAILER, COPY_DONE]) stream.write(piece);
    }
    stream.uncork();
  }

  handleRowDescription(): void {}

  handleDataRow(message: { fields: (string | null)[] }): void {
    this.result.rows.push(message.fields);
  }

  handleCommandComplete(message: { text: string }): void {
    if (message.text.startsWith('SELECT')) this.result.selected = true;
  }

  handleCopyInResponse(): void {}
  handleCopyData(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}

  handleError(error: Error): void {
    this.settle(error);
  }

  handleReadyForQuery(): void {
    this.settle();
  }

  private settle(error?: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.callback();
    if (error) this.result.error = error;
    this.resolve(this.result);
  }
}

/** `BEGIN; <before>; COPY ...; INSERT ...` with the blocks' rows behind it; the transaction stays open. */
export function writeBlocks(client: Client, blocks: readonly SealedBlock[], before: string): Promise<BlockWriteResult> {
  return client.query(new BlockWrite(blocks, before)).done;
}

/** The INSERT of the block rows, values as literals (a simple query has no parameters). */
function insertBlocks(blocks: readonly SealedBlock[]): string {
  const tuples = blocks.map(({ header, blockHash, signature, checkpoint, treeState, cursor }) =>
    [
      sqlInteger(header.height),
      escapeLiteral(header.previousHash),
      escapeLiteral(header.merkleRoot),
      sqlInteger(header.eventCount),
      sqlInteger(header.treeSize),
      escapeLiteral(header.treeRoot),
      escapeLiteral(JSON.stringify(header.offsets)),
      escapeLiteral(header.time),
      escapeLiteral(blockHash),
      escapeLiteral(signature),
      escapeLiteral(checkpoint),
      escapeLiteral(JSON.stringify(treeState)),
      escapeLiteral(JSON.stringify(cursor)),
    ].join(', '),
  );
  return `INSERT INTO ledger_blocks (${BLOCK_COLUMNS}) VALUES (${tuples.join('), (')})`;
}

/** A safe integer as SQL text; anything else is refused rather than written into a statement. */
export function sqlInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a safe integer`);
  return String(value);
}
