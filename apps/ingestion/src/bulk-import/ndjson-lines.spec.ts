import { ndjsonLines, type NdjsonLine } from './ndjson-lines';

async function linesOf(pieces: string[], from = { offset: 0, line: 0 }, max = 100): Promise<NdjsonLine[]> {
  async function* source() {
    for (const piece of pieces) yield Buffer.from(piece);
  }
  const lines: NdjsonLine[] = [];
  for await (const line of ndjsonLines(source(), from, max)) lines.push(line);
  return lines;
}

const text = (lines: NdjsonLine[]) => lines.map((line) => [line.number, line.bytes?.toString(), line.start, line.end]);

describe('ndjsonLines', () => {
  it.each([
    [
      'lines cut across pieces, CRLF and a last line without a break',
      ['{"a":1}\r\n{"b', '":2}\n', '{"c":3}'],
      [
        [1, '{"a":1}', 0, 9],
        [2, '{"b":2}', 9, 17],
        [3, '{"c":3}', 17, 24],
      ],
    ],
    [
      'blank lines keep their numbers',
      ['x\n\ny\n'],
      [
        [1, 'x', 0, 2],
        [2, '', 2, 3],
        [3, 'y', 3, 5],
      ],
    ],
    [
      'multi-byte characters counted in bytes',
      ['"é"\n"ü"\n'],
      [
        [1, '"é"', 0, 5],
        [2, '"ü"', 5, 10],
      ],
    ],
  ])('%s', async (_name, pieces, expected) => {
    expect(text(await linesOf(pieces))).toEqual(expected);
  });

  it('gives a line past the bound without its bytes, and goes on after it', async () => {
    const lines = await linesOf(['{"x":"', 'y'.repeat(150), '"}\n{"ok":1}\n'], { offset: 0, line: 0 }, 100);
    expect(text(lines)).toEqual([
      [1, undefined, 0, 159],
      [2, '{"ok":1}', 159, 168],
    ]);
  });

  it('resumes at a byte offset with the line count before it', async () => {
    expect(text(await linesOf(['{"c":3}\n'], { offset: 17, line: 2 }))).toEqual([[3, '{"c":3}', 17, 25]]);
  });
});
