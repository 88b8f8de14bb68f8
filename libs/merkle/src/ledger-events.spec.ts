// The row checks both verifiers share: a row read from a binary COPY stream (eventRowChecker) and the same row as
// stored (checkedEvent) get the same answers, and those are JSON.parse's (the ledger's identity rule: a string `id`;
// the string `type`, or 'unparseable' for a marker leaf) for texts with escapes, duplicates, markers and non-objects.
import { BinaryCopyReader, type CopyRow } from './binary-copy-reader';
import { leafHash } from './hashing';
import { checkedEvent, eventRowChecker, storedEventOf, UNPARSEABLE, type StoredEvent } from './ledger-events';

const TEXTS = [
  '{"data":{"id":"n","type":"m"},"id":"e-1","source":"s","type":"keys.kek-rotated.v1"}',
  '{"id":"e-1","type":"t\\u0041"}',
  '{"id":"e-\\"1","type":"t"}',
  '{"id":"e-1","type":"t","type":"u"}',
  '{"id":"e-1","unparseable":{"topic":"x"}}',
  '{"id":"e-1","type":7,"unparseable":null}',
  '{"id":"e-1"}',
  '{"type":"t"}',
  '{"id":1,"type":"t"}',
  '[{"id":"e-1","type":"t"}]',
  'not json',
  '',
];

/** The identity rule as the service wrote it before (JSON.parse of every event). */
function claimed(text: string): { id?: string; type?: string } {
  try {
    const value = JSON.parse(text) as { id?: unknown; type?: unknown; unparseable?: unknown } | null;
    const id = typeof value?.id === 'string' ? value.id : undefined;
    return { id, type: typeof value?.type === 'string' ? value.type : value?.unparseable !== undefined ? UNPARSEABLE : undefined };
  } catch {
    return {};
  }
}

function copyStream(rows: StoredEvent[]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  const int8 = (value: number) => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigInt64BE(BigInt(value));
    field(bytes);
  };
  for (const row of rows) {
    parts.push(Buffer.from([0, 9]));
    int8(row.leafIndex);
    int8(row.height);
    field(Buffer.from(row.eventId));
    field(Buffer.from(row.eventType ?? ''));
    field(Buffer.from(row.topic));
    const partition = Buffer.alloc(4);
    partition.writeInt32BE(row.partition);
    field(partition);
    int8(Number(row.offset));
    field(row.leafHash);
    field(row.canonical);
  }
  return Buffer.concat([...parts, Buffer.from([0xff, 0xff])]);
}

describe('ledger event rows', () => {
  const rows: StoredEvent[] = TEXTS.flatMap((text, i) =>
    ['e-1', 'e-"1', 'e-2'].flatMap((eventId) =>
      ['t', 'tA', 'keys.kek-rotated.v1', UNPARSEABLE].map((eventType) => {
        const canonical = Buffer.from(text, 'utf8');
        return {
          leafIndex: i,
          height: 0,
          eventId,
          eventType,
          topic: 'medshare.keys.v1',
          partition: 0,
          offset: String(i),
          leafHash: leafHash(canonical),
          canonical,
        };
      }),
    ),
  );

  it('answers as JSON.parse does, read from the stream and as stored', () => {
    const reader = new BinaryCopyReader(9);
    const checked: ReturnType<ReturnType<typeof eventRowChecker>>[] = [];
    const check = eventRowChecker();
    const stored: StoredEvent[] = [];
    const stream = copyStream(rows);
    // Odd chunks: rows span them.
    for (let at = 0; at < stream.length; at += 37)
      reader.push(stream.subarray(at, at + 37), (row: CopyRow) => {
        checked.push(check(row));
        stored.push(storedEventOf(row));
      });
    reader.end();
    expect(stored).toEqual(rows);
    rows.forEach((row, i) => {
      const { id, type } = claimed(row.canonical.toString('utf8'));
      const expected = { leafHashMatches: true, eventIdMatches: id === row.eventId, eventTypeMatches: type === row.eventType };
      expect({ text: TEXTS[row.leafIndex], ...checked[i] }).toMatchObject({ text: TEXTS[row.leafIndex], ...expected, offset: row.leafIndex });
      expect(checkedEvent(row)).toEqual(checked[i]);
    });
    // Not vacuous: texts 0, 1 (escaped type), 2 (escaped id), 4 and 5 (markers) each match one row.
    expect(checked.flatMap((event, i) => (event.eventIdMatches && event.eventTypeMatches ? [rows[i].leafIndex] : []))).toEqual([0, 1, 2, 4, 5]);
  });

  it('has no type to compare for a row without one (an export line)', () => {
    const { eventType, ...row } = rows[0];
    expect(eventType).toBe('t');
    expect(checkedEvent(row)).toMatchObject({ eventIdMatches: true, eventTypeMatches: undefined });
  });
});
