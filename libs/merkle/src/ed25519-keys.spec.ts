// The key forms an auditor may be handed, and the ones that must be refused.
import { generateKeyPairSync } from 'node:crypto';
import { parsePrivateKey, parsePublicKey, rawPublicKey } from './ed25519-keys';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const raw = rawPublicKey(publicKey);
const spkiPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
const pkcs8Pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('Ed25519 keys', () => {
  it.each([
    ['SPKI PEM', spkiPem],
    ['SPKI PEM with surrounding whitespace', `\n  ${spkiPem}\n`],
    ['raw 32-byte base64', raw.toString('base64')],
    ['raw base64 with a trailing newline', `${raw.toString('base64')}\n`],
    ['a private key PEM, for its public half', pkcs8Pem],
    ['a public KeyObject', publicKey],
    ['a private KeyObject, for its public half', privateKey],
  ])('accept a public key as %s', (_case, input) => {
    expect(rawPublicKey(parsePublicKey(input)).equals(raw)).toBe(true);
  });

  it('encode public keys as 32 raw bytes', () => {
    expect(raw).toHaveLength(32);
  });

  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  it.each([
    ['base64 of 31 bytes', Buffer.alloc(31).toString('base64')],
    ['base64 of 33 bytes', Buffer.alloc(33).toString('base64')],
    ['unpadded base64', raw.toString('base64').replace(/=+$/, '')],
    ['hex', raw.toString('hex')],
    ['broken PEM', spkiPem.replace(/[A-Za-z]{8}/, '!!!!!!!!')],
    ['an RSA key', rsa.publicKey],
    ['an RSA PEM', rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString()],
  ])('refuse a public key as %s', (_case, input) => {
    expect(() => parsePublicKey(input)).toThrow(TypeError);
  });

  it('accept a private key as PKCS#8 PEM or KeyObject, and nothing public', () => {
    expect(parsePrivateKey(pkcs8Pem).type).toBe('private');
    expect(parsePrivateKey(privateKey)).toBe(privateKey);
    expect(() => parsePrivateKey(spkiPem)).toThrow(TypeError);
    expect(() => parsePrivateKey(publicKey)).toThrow(TypeError);
  });
});
