// The leak scanner finds a canary as plain text and as the hex or base64 a store may keep it in, names its
// carrier by the longest matching name, and finds nothing where nothing was planted.
import { CanaryScanner } from '../support/canary-scan';

const carriers = ['record-id', 'record-id-patient', 'reason'];
const hex = (text: string) => Buffer.from(text).toString('hex');
const base64 = (text: string) => Buffer.from(text).toString('base64');

describe('CanaryScanner', () => {
  it.each([
    ['plain text', (c: string) => `{"id":"${c}"}`],
    ['pg_dump bytea hex', (c: string) => `\\\\x00${hex(c)}01`],
    ['base64 at any byte offset', (c: string) => `"data":"${base64(`ab${c}`)}"`],
    ['base64url', (c: string) => Buffer.from(`?>${c}`).toString('base64url')],
    ['upper case', (c: string) => c.toUpperCase()],
  ])('finds a canary in %s', (_name, encode) => {
    const scanner = new CanaryScanner('cnry1234', carriers);
    expect([...scanner.scan(encode(scanner.canary('record-id-patient')), 'here')]).toEqual(['record-id-patient']);
    expect(scanner.found.get('record-id-patient')).toEqual(new Set(['here']));
  });

  it('names a hit by the longest carrier and a truncated one as unknown', () => {
    const scanner = new CanaryScanner('cnry1234', carriers);
    expect([...scanner.scan('cnry1234-record-id-9 cnry1234-rea', 'x')].sort()).toEqual(['record-id', 'unknown:rea']);
  });

  it('finds nothing in text without the prefix, and refuses carriers it was not given', () => {
    const scanner = new CanaryScanner('cnry1234', carriers);
    expect(scanner.scan(`cnry1235-record-id ${base64('cnry123')} ${hex('record-id')}`, 'x').size).toBe(0);
    expect(() => scanner.canary('other')).toThrow(RangeError);
  });
});
