// The binary COPY reader against streams encoded here by hand: every row's fields come out whatever the
// chunking, NULLs and empty fields included; a stream that is not binary COPY, has the wrong field count or
// ends early throws.
import { BinaryCopyReader, type CopyRow } from './binary-copy-reader';

const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(4), Buffer.from([0, 0, 0, 2, 0xaa, 0xbb])]);
const TRAILER = Buffer.from([0xff, 0xff]);

function encode(rows: (Buffer | null)[][]): Buffer {
  const parts: Buffer[] = [HEADER];
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const field of row) {
      const length = Buffer.alloc(4);
      length.writeInt32BE(field === null ? -1 : field.length);
      parts.push(length, ...(field === null ? [] : [field]));
    }
  }
  return Buffer.concat([...parts, TRAILER]);
}

function readAll(stream: Buffer, fields: number, chunkSizes: (at: number) => number): (string | null)[][] {
  const reader = new BinaryCopyReader(fields);
  const rows: (string | null)[][] = [];
  const collect = (row: CopyRow) =>
    rows.push(Array.from({ length: fields }, (_, i) => (row.length(i) < 0 ? null : row.bytes.toString('hex', row.start(i), row.start(i) + row.length(i)))));
  for (let at = 0; at < stream.length;) {
    const size = Math.max(1, chunkSizes(at));
    reader.push(stream.subarray(at, at + size), collect);
    at += size;
  }
  reader.end();
  return rows;
}

describe('BinaryCopyReader', () => {
  const rows = Array.from({ length: 40 }, (_, i) => [
    Buffer.from([0, 0, 0, 0, 0, 0, 0, i]),
    i % 7 === 0 ? null : Buffer.from(`event-${i}`),
    Buffer.alloc(i % 5 === 0 ? 0 : 300 + i, i),
  ]);
  const stream = encode(rows);
  const expected = rows.map((row) => row.map((field) => (field === null ? null : field.toString('hex'))));

  it('reads every row in one chunk', () => {
    expect(readAll(stream, 3, () => stream.length)).toEqual(expected);
  });

  it.each([1, 2, 3, 7, 64, 333])('reads every row when the stream comes in chunks of %i bytes', (size) => {
    expect(readAll(stream, 3, () => size)).toEqual(expected);
  });

  it('reads every row from chunks of random sizes', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 500;
    expect(readAll(stream, 3, random)).toEqual(expected);
  });

  it('refuses a stream that is not binary COPY, a row with another field count, and a stream cut short', () => {
    const text = Buffer.from('1\tevent\n'.repeat(4));
    expect(() => readAll(text, 3, () => text.length)).toThrow('not a binary COPY stream');
    expect(() => readAll(stream, 2, () => stream.length)).toThrow('binary COPY row has 3 fields, expected 2');
    expect(() => readAll(stream.subarray(0, stream.length - 1), 3, () => 100)).toThrow('binary COPY stream ended early');
    expect(() => readAll(stream.subarray(0, 200), 3, () => 100)).toThrow('binary COPY stream ended early');
  });
});
