// HPKE (RFC 9180, mode_base) sealed boxes: ingestion seals patient data to the encryption service's public key and cannot open it again.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { fromBase64, requireLength, toBase64 } from './bytes';
import { CryptoError, CryptoErrorCode } from './crypto-error';
import { HpkeOpenError, hpkeOpen, hpkeSeal, x25519PrivateKey, x25519PublicRaw, type HpkeRecipient } from './hpke';

/** DHKEM(X25519, HKDF-SHA256) 0x0020, HKDF-SHA256 0x0001, AES-256-GCM 0x0002. */
export const SEALED_BOX_SUITE = 'X25519-HKDF-SHA256/AES-256-GCM' as const;

/** HPKE `info`: binds every box to this use, so a box made for another protocol with the same key never opens here. */
const SEALED_BOX_INFO = new TextEncoder().encode('medshare.sealed-box.v1');
const KEY_ID_LABEL = 'medshare.sealing-key-id.v1\0';
const X25519_KEY_BYTES = 32;
const AEAD_TAG_BYTES = 16;

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

export function sealingKeyId(publicKey: Uint8Array): string {
  return createHash('sha256').update(KEY_ID_LABEL).update(publicKey).digest('hex').slice(0, 16);
}

export function generateSealingKeyPair(): SealingKeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  const privateRaw = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  const publicRaw = x25519PublicRaw(privateKey);
  return { keyId: sealingKeyId(publicRaw), publicKeyB64: toBase64(publicRaw), privateKeyB64: toBase64(privateRaw) };
}

/**
 * Seals one message (by platform convention one patient group: a JSON array of that patient's records from
 * one request, see sealRecordGroup) to the encryption service. Costs an X25519 key pair and agreement (~0.1 ms),
 * so never call it per resource.
 */
export async function sealForEncryptionService(publicKeyB64: string, keyId: string, plaintext: Uint8Array, aad: Uint8Array): Promise<SealedBox> {
  const publicRaw = fromBase64(publicKeyB64, 'publicKey');
  requireLength(publicRaw, X25519_KEY_BYTES, 'publicKey');
  if (sealingKeyId(publicRaw) !== keyId) {
    throw new CryptoError(CryptoErrorCode.SealingKeyMismatch, `key id ${keyId} does not name this public key`);
  }
  const { enc, ct } = hpkeSeal(publicRaw, SEALED_BOX_INFO, aad, plaintext);
  return { suite: SEALED_BOX_SUITE, keyId, enc: toBase64(enc), ciphertext: toBase64(ct) };
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
  const recipient = recipientOf(keyring, box.keyId, privateKeyB64);
  try {
    return hpkeOpen(recipient, enc, SEALED_BOX_INFO, aad, ciphertext);
  } catch (error) {
    if (error instanceof HpkeOpenError) {
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

// Importing an X25519 private key costs about as much as an HPKE open, so imports are kept per keyring object.
const importedRecipients = new WeakMap<SealingPrivateKeys, Map<string, HpkeRecipient>>();

function recipientOf(keyring: SealingPrivateKeys, keyId: string, privateKeyB64: string): HpkeRecipient {
  let imported = importedRecipients.get(keyring);
  if (imported === undefined) {
    imported = new Map();
    importedRecipients.set(keyring, imported);
  }
  const cacheKey = `${keyId}:${privateKeyB64}`; // an entry replaced under the same key id is imported afresh
  let recipient = imported.get(cacheKey);
  if (recipient === undefined) {
    recipient = importRecipient(keyId, privateKeyB64);
    imported.set(cacheKey, recipient);
  }
  return recipient;
}

function importRecipient(keyId: string, privateKeyB64: string): HpkeRecipient {
  const privateRaw = fromBase64(privateKeyB64, `private key ${keyId}`);
  requireLength(privateRaw, X25519_KEY_BYTES, `private key ${keyId}`);
  const privateKey = x25519PrivateKey(privateRaw);
  const publicRaw = x25519PublicRaw(privateKey);
  if (sealingKeyId(publicRaw) !== keyId) {
    throw new CryptoError(CryptoErrorCode.SealingKeyMismatch, `keyring entry ${keyId} holds another key`);
  }
  return { privateKey, publicRaw };
}
