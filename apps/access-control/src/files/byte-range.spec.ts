// Range headers as RFC 9110 reads them, against a file of 1000 bytes.
import { parseByteRange } from './byte-range';

describe('parseByteRange', () => {
  it.each([
    ['no header', undefined, 'whole'],
    ['a first and last byte', 'bytes=100-199', { start: 100, end: 199 }],
    ['an open end', 'bytes=900-', { start: 900, end: 999 }],
    ['an end past the size (clamped)', 'bytes=990-5000', { start: 990, end: 999 }],
    ['a suffix', 'bytes=-10', { start: 990, end: 999 }],
    ['a suffix longer than the file', 'bytes=-5000', { start: 0, end: 999 }],
    ['a start past the end', 'bytes=1000-', 'unsatisfiable'],
    ['an empty suffix', 'bytes=-0', 'unsatisfiable'],
    ['several ranges (ignored)', 'bytes=0-1,5-6', 'whole'],
    ['another unit (ignored)', 'items=0-1', 'whole'],
    ['last before first (ignored)', 'bytes=20-10', 'whole'],
  ])('%s', (_, header, expected) => {
    expect(parseByteRange(header, 1000)).toEqual(expected);
  });

  it('finds nothing to send in an empty file', () => {
    expect(parseByteRange('bytes=0-', 0)).toBe('unsatisfiable');
  });
});
