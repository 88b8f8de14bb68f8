// HPKE (RFC 9180, mode_base) sealed boxes: ingestion seals patient data to the encryption service's public key and cannot open it again.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256, HpkeError } from '@hpke/core';
import { fromBase64, requireLength, toBase64 } from './bytes';
import { CryptoError, CryptoErrorCode } from './crypto-error';

/** DHKEM(X25519, HKDF-SHA256) 0x0020, HKDF-SHA256 0x0001, AES-256-GCM 0x0002. */
export const SEALED_BOX_SUITE = 'X25519-HKDF-SHA256/AES-256-GCM' as const;

/** HPKE `info`: binds every box to this use, so a box made for another protocol with the same key never opens here. */
const SEALED_BOX_INFO = new TextEncoder().encode('medshare.sealed-box.v1');
const KEY_ID_LABEL = 'medshare.sealing-key-id.v1\0';
const X25519_KEY_BYTES = 32;
const AEAD_TAG_BYTES = 16;
// RFC 8410 PKCS#8 envelope of a raw X25519 private key: node:crypto imports keys as DER, not raw.
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export interface SealingKeyPair {
  /** Short hash of the public key: the box names the key it was sealed to, so old keys keep opening after rotation. */
  keyId: string;
  /** Raw 32-byte X25519 public key (RFC 9180 SerializePublicKey), base64. */
  publicKeyB64: string;
  /** Raw 32-byte X25519 private key (RFC 9180 SerializePrivateKey), base64. Only the encryption service holds it. */
  privateKeyB64: string;
}

export interface SealedBox {
  suite: typeof SEALED_BOX_SUITE;
  keyId: string;
  /** HPKE encapsulated key (the sender's ephemeral X25519 public key), base64. */
  enc: string;
  /** AES-256-GCM ciphertext with its 16-byte tag appended, base64. */
  ciphertext: string;
}

/** A private-key keyring by key id, as the encryption service holds it: current key plus the ones still draining. */
export type SealingPrivateKeys = Readonly<Record<string, string>>;

const hpkeSuite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});
// WebCrypto key types, named through the suite: this workspace compiles without the DOM lib.
type HpkeKeyPair = Awaited<ReturnType<typeof hpkeSuite.kem.generateKeyPair>>;

export function sealingKeyId(publicKey: Uint8Array): string {
  return createHash('sha256').update(KEY_ID_LABEL).update(publicKey).digest('hex').slice(0, 16);
}

export function generateSealingKeyPair(): SealingKeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  const privateRaw = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(X25519_PKCS8_PREFIX.length);
  const publicRaw = publicKeyOf(privateRaw);
  return { keyId: sealingKeyId(publicRaw), publicKeyB64: toBase64(publicRaw), privateKeyB64: toBase64(privateRaw) };
}

/**
 * Seals one message (by platform convention one patient group: a JSON array of that patient's records from
 * one request, see sealRecordGroup) to the encryption service. Costs ~1 ms, so never call it per resource.
 */
export async function sealForEncryptionService(publicKeyB64: string, keyId: string, plaintext: Uint8Array, aad: Uint8Array): Promise<SealedBox> {
  const publicRaw = fromBase64(publicKeyB64, 'publicKey');
  requireLength(publicRaw, X25519_KEY_BYTES, 'publicKey');
  if (sealingKeyId(publicRaw) !== keyId) {
    throw new CryptoError(CryptoErrorCode.SealingKeyMismatch, `key id ${keyId} does not name this public key`);
  }
  const recipientPublicKey = await hpkeSuite.kem.deserializePublicKey(publicRaw);
  const { enc, ct } = await hpkeSuite.seal({ recipientPublicKey, info: SEALED_BOX_INFO }, plaintext, aad);
  return {
    suite: SEALED_BOX_SUITE,
    keyId,
    enc: toBase64(new Uint8Array(enc)),
    ciphertext: toBase64(new Uint8Array(ct)),
  };
}

/** Opens a box with the private key its keyId names; any authentication failure is one code, on purpose. */
export async function openSealedBox(keyring: SealingPrivateKeys, box: SealedBox, aad: Uint8Array): Promise<Uint8Array> {
  if (box.suite !== SEALED_BOX_SUITE) {
    throw new CryptoError(CryptoErrorCode.InvalidInput, `unsupported sealed box suite ${String(box.suite)}`);
  }
  const privateKeyB64 = Object.hasOwn(keyring, box.keyId) ? keyring[box.keyId] : undefined;
  if (privateKeyB64 === undefined) {
    throw new CryptoError(CryptoErrorCode.UnknownSealingKey, `no sealing key ${box.keyId}`);
  }
  const enc = fromBase64(box.enc, 'enc');
  requireLength(enc, X25519_KEY_BYTES, 'enc');
  const ciphertext = fromBase64(box.ciphertext, 'ciphertext');
  if (ciphertext.byteLength < AEAD_TAG_BYTES) {
    throw new CryptoError(CryptoErrorCode.InvalidInput, 'ciphertext is shorter than its tag');
  }
  const recipientKey = await recipientKeyPair(keyring, box.keyId, privateKeyB64);
  try {
    const plaintext = await hpkeSuite.open({ recipientKey, enc, info: SEALED_BOX_INFO }, ciphertext, aad);
    return new Uint8Array(plaintext);
  } catch (error) {
    if (error instanceof HpkeError) {
      throw new CryptoError(CryptoErrorCode.SealedBoxRejected, `sealed box to ${box.keyId} did not authenticate`);
    }
    throw error;
  }
}

/** Seals one patient group: the records travel as one UTF-8 JSON array, one HPKE operation for all of them. */
export function sealRecordGroup(publicKeyB64: string, keyId: string, records: readonly unknown[], aad: Uint8Array): Promise<SealedBox> {
  return sealForEncryptionService(publicKeyB64, keyId, new TextEncoder().encode(JSON.stringify(records)), aad);
}

export async function openRecordGroup(keyring: SealingPrivateKeys, box: SealedBox, aad: Uint8Array): Promise<unknown[]> {
  const text = new TextDecoder().decode(await openSealedBox(keyring, box, aad));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CryptoError(CryptoErrorCode.InvalidInput, 'sealed record group is not JSON');
  }
  if (!Array.isArray(parsed)) {
    throw new CryptoError(CryptoErrorCode.InvalidInput, 'sealed record group is not a JSON array');
  }
  return parsed;
}

function publicKeyOf(privateRaw: Uint8Array): Buffer {
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, privateRaw]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

// Importing an X25519 private key costs about as much as an HPKE open, so imports are kept per keyring object.
const importedKeyPairs = new WeakMap<SealingPrivateKeys, Map<string, Promise<HpkeKeyPair>>>();

function recipientKeyPair(keyring: SealingPrivateKeys, keyId: string, privateKeyB64: string): Promise<HpkeKeyPair> {
  let imported = importedKeyPairs.get(keyring);
  if (imported === undefined) {
    imported = new Map();
    importedKeyPairs.set(keyring, imported);
  }
  const cacheKey = `${keyId}:${privateKeyB64}`; // an entry replaced under the same key id is imported afresh
  let pair = imported.get(cacheKey);
  if (pair === undefined) {
    pair = importRecipientKeyPair(keyId, privateKeyB64);
    pair.catch(() => imported.delete(cacheKey)); // a failed import is not remembered
    imported.set(cacheKey, pair);
  }
  return pair;
}

async function importRecipientKeyPair(keyId: string, privateKeyB64: string): Promise<HpkeKeyPair> {
  const privateRaw = fromBase64(privateKeyB64, `private key ${keyId}`);
  requireLength(privateRaw, X25519_KEY_BYTES, `private key ${keyId}`);
  const publicRaw = publicKeyOf(privateRaw);
  if (sealingKeyId(publicRaw) !== keyId) {
    throw new CryptoError(CryptoErrorCode.SealingKeyMismatch, `keyring entry ${keyId} holds another key`);
  }
  return {
    privateKey: await hpkeSuite.kem.deserializePrivateKey(privateRaw),
    publicKey: await hpkeSuite.kem.deserializePublicKey(publicRaw),
  };
}
