import { randomBytes } from 'node:crypto';
import { generateSealingKeyPair } from '@medshare/crypto';
import { SealingKeyWrap } from './sealing-key-wrap';

const masterSecret = randomBytes(32);
const pair = generateSealingKeyPair();
const other = generateSealingKeyPair();
const wrapped = new SealingKeyWrap(masterSecret).wrap(pair.keyId, pair.privateKeyB64);

const flipLastByte = (blob: string) => {
  const bytes = Buffer.from(blob, 'base64');
  bytes[bytes.length - 1] ^= 1;
  return bytes.toString('base64');
};

describe('sealing private keys at rest', () => {
  it('unwraps to the private key under the same master secret and key id, and is not the key itself', () => {
    expect(new SealingKeyWrap(masterSecret).unwrap(pair.keyId, wrapped)).toBe(pair.privateKeyB64);
    expect(wrapped).not.toContain(pair.privateKeyB64);
  });

  it('wraps the same key differently each time (fresh IV)', () => {
    expect(new SealingKeyWrap(masterSecret).wrap(pair.keyId, pair.privateKeyB64)).not.toBe(wrapped);
  });

  it.each<[string, Buffer, string, string]>([
    ['under another master secret', randomBytes(32), pair.keyId, wrapped],
    ['moved onto another key id row', masterSecret, other.keyId, wrapped],
    ['with a flipped tag byte', masterSecret, pair.keyId, flipLastByte(wrapped)],
  ])('refuses to unwrap %s', (_case, secret, keyId, blob) => {
    expect(() => new SealingKeyWrap(secret).unwrap(keyId, blob)).toThrow();
  });
});
