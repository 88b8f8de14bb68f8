// RFC 9180 HPKE, mode_base, single-shot: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-GCM, written over node:crypto.
// Synchronous: @hpke/core ran every step as a separate WebCrypto call through the thread pool (~1 ms of wall time per
// box, hundreds of ms on a loaded machine); here a seal or open is a handful of native calls (~0.1 ms).
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

/** AES-128-GCM (0x0001) only to check the RFC 9180 A.1 test vector; medshare seals with AES-256-GCM (0x0002). */
export type HpkeAead = 'aes-128-gcm' | 'aes-256-gcm';

const KEM_ID = 0x0020;
const KDF_ID = 0x0001;
const AEAD_IDS: Record<HpkeAead, number> = { 'aes-128-gcm': 0x0001, 'aes-256-gcm': 0x0002 };
const KEY_BYTES: Record<HpkeAead, number> = { 'aes-128-gcm': 16, 'aes-256-gcm': 32 };
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const X25519_BYTES = 32;
const HASH_BYTES = 32;
const VERSION_LABEL = Buffer.from('HPKE-v1');
const KEM_SUITE_ID = Buffer.concat([Buffer.from('KEM'), i2osp2(KEM_ID)]);
const EMPTY = Buffer.alloc(0);

/** The box's authentication failed (wrong key, wrong AAD, tampered enc or ciphertext): one error for all, on purpose. */
export class HpkeOpenError extends Error {}

export interface HpkeRecipient {
  privateKey: KeyObject;
  /** pkRm, the recipient's serialized public key: part of the KEM context. */
  publicRaw: Buffer;
}

// Raw X25519 keys go in and out of node:crypto as JWK: importing a DER public key cost ~25x more (measured, OpenSSL 3).
export function x25519PrivateKey(raw: Uint8Array): KeyObject {
  // The JWK shape requires `x`; node:crypto derives the public half from `d` (x25519PublicRaw reads it back).
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: base64url(raw), x: '' }, format: 'jwk' });
}

export function x25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url(raw) }, format: 'jwk' });
}

/** SerializePublicKey of a private key's public half. */
export function x25519PublicRaw(privateKey: KeyObject): Buffer {
  return Buffer.from(privateKey.export({ format: 'jwk' }).x ?? '', 'base64url');
}

/** Seal(pkR, info, aad, pt) → enc, ct (tag appended). `ephemeralRaw` fixes skE: only for the RFC's test vector. */
export function hpkeSeal(
  recipientPublicRaw: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  aead: HpkeAead = 'aes-256-gcm',
  ephemeralRaw?: Uint8Array,
): { enc: Buffer; ct: Buffer } {
  const ephemeral = ephemeralRaw === undefined ? generateKeyPairSync('x25519').privateKey : x25519PrivateKey(ephemeralRaw);
  const enc = x25519PublicRaw(ephemeral);
  const pkR = Buffer.from(recipientPublicRaw);
  const sharedSecret = extractAndExpand(dh(ephemeral, x25519PublicKey(pkR)), Buffer.concat([enc, pkR]));
  const { key, nonce } = keySchedule(sharedSecret, info, aead);
  const cipher = createCipheriv(aead, key, nonce);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { enc, ct };
}

/** Open(enc, skR, info, aad, ct) → pt, or HpkeOpenError. */
export function hpkeOpen(recipient: HpkeRecipient, enc: Uint8Array, info: Uint8Array, aad: Uint8Array, ct: Uint8Array, aead: HpkeAead = 'aes-256-gcm'): Buffer {
  if (enc.byteLength !== X25519_BYTES || ct.byteLength < TAG_BYTES) throw new HpkeOpenError('malformed box');
  let pkE: KeyObject;
  try {
    pkE = x25519PublicKey(enc);
  } catch {
    throw new HpkeOpenError('malformed enc');
  }
  const sharedSecret = extractAndExpand(dh(recipient.privateKey, pkE), Buffer.concat([enc, recipient.publicRaw]));
  const { key, nonce } = keySchedule(sharedSecret, info, aead);
  const decipher = createDecipheriv(aead, key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(ct.subarray(ct.byteLength - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(ct.subarray(0, ct.byteLength - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new HpkeOpenError('box did not authenticate');
  }
}

/** RFC 9180 §7.1.4: an all-zero X25519 output (a small-order point) must abort. */
function dh(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey });
  } catch {
    throw new HpkeOpenError('key agreement failed');
  }
  if (shared.every((byte) => byte === 0)) throw new HpkeOpenError('key agreement gave the zero point');
  return shared;
}

/** DHKEM's ExtractAndExpand (§4.1). */
function extractAndExpand(dhSecret: Buffer, kemContext: Buffer): Buffer {
  const eaePrk = labeledExtract(KEM_SUITE_ID, EMPTY, 'eae_prk', dhSecret);
  return labeledExpand(KEM_SUITE_ID, eaePrk, 'shared_secret', kemContext, HASH_BYTES);
}

/** KeySchedule for mode_base (§5.1): no PSK. */
function keySchedule(sharedSecret: Buffer, info: Uint8Array, aead: HpkeAead): { key: Buffer; nonce: Buffer } {
  const suiteId = Buffer.concat([Buffer.from('HPKE'), i2osp2(KEM_ID), i2osp2(KDF_ID), i2osp2(AEAD_IDS[aead])]);
  const pskIdHash = labeledExtract(suiteId, EMPTY, 'psk_id_hash', EMPTY);
  const infoHash = labeledExtract(suiteId, EMPTY, 'info_hash', info);
  const context = Buffer.concat([Buffer.from([0x00]), pskIdHash, infoHash]);
  const secret = labeledExtract(suiteId, sharedSecret, 'secret', EMPTY);
  return {
    key: labeledExpand(suiteId, secret, 'key', context, KEY_BYTES[aead]),
    nonce: labeledExpand(suiteId, secret, 'base_nonce', context, NONCE_BYTES),
  };
}

function labeledExtract(suiteId: Buffer, salt: Buffer, label: string, ikm: Uint8Array): Buffer {
  // HKDF-Extract = HMAC(salt, ikm); an empty salt is HMAC's all-zero key (RFC 5869 §2.2).
  return createHmac('sha256', salt).update(VERSION_LABEL).update(suiteId).update(label).update(ikm).digest();
}

/** HKDF-Expand for L ≤ Nh (every length HPKE asks for here): one block, T(1) = HMAC(prk, info ‖ 0x01). */
function labeledExpand(suiteId: Buffer, prk: Buffer, label: string, info: Uint8Array, length: number): Buffer {
  return createHmac('sha256', prk)
    .update(i2osp2(length))
    .update(VERSION_LABEL)
    .update(suiteId)
    .update(label)
    .update(info)
    .update(Buffer.from([0x01]))
    .digest()
    .subarray(0, length);
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function i2osp2(value: number): Buffer {
  return Buffer.from([value >> 8, value & 0xff]);
}
