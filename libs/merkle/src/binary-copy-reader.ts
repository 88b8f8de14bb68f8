// Reads PostgreSQL's binary COPY format (`COPY ... TO STDOUT (FORMAT binary)`) as it streams in: each row's
// fields are handed over as positions in the received bytes, so a replica's event rows are read without pg's
// row objects, hex-decoded bytea or numbers parsed from text (what the verifier spent most of its reading on).
// Rows may span the stream's chunks; a malformed stream throws.

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags (int32), header extension length (int32). */
const HEADER_BYTES = SIGNATURE.length + 8;

/** One row: field i is `bytes[start(i), start(i) + length(i))`, length -1 for NULL. Valid only during the callback. */
export interface CopyRow {
  readonly bytes: Buffer;
  start(field: number): number;
  length(field: number): number;
}

export class BinaryCopyReader implements CopyRow {
  bytes: Buffer = Buffer.alloc(0);
  private readonly positions: Int32Array;
  private pending?: Buffer;
  private headerRead = false;
  private ended = false;

  constructor(private readonly fields: number) {
    this.positions = new Int32Array(2 * fields);
  }

  start(field: number): number {
    return this.positions[2 * field];
  }

  length(field: number): number {
    return this.positions[2 * field + 1];
  }

  /** Hands every row complete in what has arrived so far to `row`, in order. */
  push(chunk: Buffer, row: (read: CopyRow) => void): void {
    if (this.ended) throw new Error('binary COPY data after its trailer');
    const bytes = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    let at = 0;
    if (!this.headerRead) {
      if (bytes.length < HEADER_BYTES) {
        this.pending = bytes;
        return;
      }
      if (!bytes.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      const extension = bytes.readInt32BE(SIGNATURE.length + 4);
      if (bytes.length < HEADER_BYTES + extension) {
        this.pending = bytes;
        return;
      }
      at = HEADER_BYTES + extension;
      this.headerRead = true;
    }
    this.bytes = bytes;
    const { positions, fields } = this;
    while (at + 2 <= bytes.length) {
      const count = bytes.readInt16BE(at);
      if (count === -1) {
        this.ended = true;
        return;
      }
      if (count !== fields) throw new Error(`binary COPY row has ${count} fields, expected ${fields}`);
      let next = at + 2;
      let complete = true;
      for (let field = 0; field < fields; field += 1) {
        if (next + 4 > bytes.length) {
          complete = false;
          break;
        }
        const length = bytes.readInt32BE(next);
        positions[2 * field] = next + 4;
        positions[2 * field + 1] = length;
        next += 4 + Math.max(0, length);
        if (next > bytes.length) {
          complete = false;
          break;
        }
      }
      if (!complete) break;
      row(this);
      at = next;
    }
    if (at < bytes.length) this.pending = bytes.subarray(at);
  }

  /** Throws unless the stream ended with its trailer and nothing after it. */
  end(): void {
    if (!this.ended || this.pending !== undefined) throw new Error('binary COPY stream ended early');
  }
}
