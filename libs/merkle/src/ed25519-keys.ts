// Ed25519 keys in the forms operators hand around: PEM (SPKI public, PKCS#8 private) or the raw
// 32-byte public key in base64, as well as ready KeyObjects.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { decodeBase64 } from './encoding';

export type PublicKeyInput = KeyObject | string;
export type PrivateKeyInput = KeyObject | string;

const RAW_PUBLIC_KEY_SIZE = 32;

/** Parses an Ed25519 public key; a private key yields its public half. Throws TypeError if unusable. */
export function parsePublicKey(input: PublicKeyInput): KeyObject {
  let key: KeyObject;
  if (typeof input !== 'string') {
    key = input.type === 'private' ? createPublicKey(input) : input;
  } else if (input.includes('-----BEGIN')) {
    key = fromPem(input, createPublicKey);
  } else {
    const raw = decodeBase64(input.trim());
    if (raw?.length !== RAW_PUBLIC_KEY_SIZE) {
      throw new TypeError('public key must be PEM or the base64 of a raw 32-byte Ed25519 key');
    }
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  }
  return requireEd25519(key);
}

/** Parses an Ed25519 private key (PKCS#8 PEM or KeyObject). Throws TypeError if unusable. */
export function parsePrivateKey(input: PrivateKeyInput): KeyObject {
  const key = typeof input === 'string' ? fromPem(input, createPrivateKey) : input;
  if (key.type !== 'private') throw new TypeError('a private key is needed to sign');
  return requireEd25519(key);
}

/** The 32-byte RFC 8032 encoding of an Ed25519 public key. */
export function rawPublicKey(publicKey: KeyObject): Buffer {
  const { x } = publicKey.export({ format: 'jwk' });
  return Buffer.from(x as string, 'base64url');
}

function fromPem(pem: string, create: (pem: string) => KeyObject): KeyObject {
  try {
    return create(pem.trim());
  } catch (error) {
    throw new TypeError(`key is not valid PEM: ${(error as Error).message}`);
  }
}

function requireEd25519(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`key must be Ed25519, got ${key.asymmetricKeyType ?? key.type}`);
  }
  return key;
}
