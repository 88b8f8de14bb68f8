// Cuts a byte stream into NDJSON lines, each with its number and the byte offset just past it, so an import
// resumes exactly after the last line it finished. A line longer than the bound is never buffered: it comes out
// without its bytes (refused as too large), whatever its length.
export interface NdjsonLine {
  /** 1-based, as an editor shows it. */
  number: number;
  /** The line without its line break (and a trailing CR); undefined when it was longer than the bound. */
  bytes?: Buffer;
  /** Byte offset of the line's first byte. */
  start: number;
  /** Byte offset just past the line's line break. */
  end: number;
}

export interface LinePosition {
  /** Byte offset where reading starts (the end of a line, or 0). */
  offset: number;
  /** Lines before that offset. */
  line: number;
}

export async function* ndjsonLines(source: AsyncIterable<Buffer>, from: LinePosition, maxLineBytes: number): AsyncGenerator<NdjsonLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let offset = from.offset;
  let number = from.line;
  let start = from.offset;
  const take = (): NdjsonLine => {
    number += 1;
    const line = pendingBytes > maxLineBytes ? { number, start, end: offset } : { number, bytes: withoutCr(Buffer.concat(pending)), start, end: offset };
    pending = [];
    pendingBytes = 0;
    start = offset;
    return line;
  };
  for await (const piece of source) {
    let rest = piece;
    while (rest.byteLength > 0) {
      const newline = rest.indexOf(0x0a);
      const part = newline === -1 ? rest : rest.subarray(0, newline);
      pendingBytes += part.byteLength;
      // Past the bound the line's bytes are dropped as they come: memory stays at one bounded line.
      if (pendingBytes > maxLineBytes) pending = [];
      else pending.push(part);
      offset += part.byteLength;
      if (newline === -1) break;
      offset += 1;
      rest = rest.subarray(newline + 1);
      yield take();
    }
  }
  if (pendingBytes > 0) yield take();
}

function withoutCr(line: Buffer): Buffer {
  return line.byteLength > 0 && line[line.byteLength - 1] === 0x0d ? line.subarray(0, line.byteLength - 1) : line;
}
