// Strict hex and base64: what a verifier accepts from untrusted input, and what it refuses.
import { decodeBase64, decodeHex } from './encoding';

describe('strict decoding', () => {
  it.each([
    ['', ''],
    ['00ff', '00ff'],
    ['ABcd', 'abcd'],
  ])('reads hex %j', (text, expectedHex) => {
    expect(decodeHex(text)?.toString('hex')).toBe(expectedHex);
  });

  it.each(['0', 'abc', 'zz', '00 ff', '0x00', 'ab\n'])('refuses hex %j', (text) => {
    expect(decodeHex(text)).toBeUndefined();
  });

  it.each([
    ['', ''],
    ['AA==', '00'],
    ['AAA=', '0000'],
    ['AAAA', '000000'],
    ['+/+/', 'fbffbf'],
  ])('reads base64 %j', (text, expectedHex) => {
    expect(decodeBase64(text)?.toString('hex')).toBe(expectedHex);
  });

  it.each([
    ['without padding', 'AA'],
    ['with non-zero padding bits', 'AB=='],
    ['in the URL alphabet', '-_-_'],
    ['with whitespace', 'AA AA'],
    ['with a trailing newline', 'AAAA\n'],
    ['with padding inside', 'AA==AAAA'],
  ])('refuses base64 %s', (_case, text) => {
    expect(decodeBase64(text)).toBeUndefined();
  });
});
