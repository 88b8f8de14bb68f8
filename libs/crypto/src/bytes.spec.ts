import { CryptoErrorCode } from './crypto-error';
import { fromBase64 } from './bytes';

describe('fromBase64', () => {
  it.each(['', 'AA==', 'AAA=', 'AAAA', 'q83v+/8=', Buffer.from('any bytes at all \u00ff').toString('base64')])('decodes canonical base64 %j', (text) => {
    expect(fromBase64(text, 'field')).toEqual(Buffer.from(text, 'base64'));
  });

  it.each([
    ['a junk character', 'AAAA!'],
    ['the URL alphabet', 'q83v-_8='],
    ['missing padding', 'AA'],
    ['padding in the middle', 'AA==AAAA'],
    ['a line break', 'AAAA\nAAAA'],
    ['non-zero bits after the last byte', 'AB=='],
  ])('refuses %s', (_case, text) => {
    expect(() => fromBase64(text, 'field')).toThrow(expect.objectContaining({ code: CryptoErrorCode.InvalidInput }));
  });
});
