// AES-256-GCM over node:crypto with a random 96-bit IV, and the iv‖ciphertext‖tag blob used for wrapped keys.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { requireLength } from './bytes';

export const AES_KEY_BYTES = 32;
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

export interface GcmParts {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** A random IV per message: with at most ~2^32 messages per key the collision risk stays below NIST's 2^-32. */
export function gcmEncrypt(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): GcmParts {
  requireLength(key, AES_KEY_BYTES, 'key');
  const iv = randomBytes(GCM_IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** Returns undefined when authentication fails, so each caller raises its own error code. */
export function gcmDecrypt(key: Uint8Array, parts: GcmParts, aad: Uint8Array): Buffer | undefined {
  requireLength(key, AES_KEY_BYTES, 'key');
  requireLength(parts.iv, GCM_IV_BYTES, 'iv');
  requireLength(parts.tag, GCM_TAG_BYTES, 'tag');
  const decipher = createDecipheriv('aes-256-gcm', key, parts.iv, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(parts.tag);
  try {
    return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** iv ‖ ciphertext ‖ tag in one buffer: the stored form of a wrapped key. */
export function joinGcmParts(parts: GcmParts): Buffer {
  return Buffer.concat([parts.iv, parts.ciphertext, parts.tag]);
}

export function splitGcmParts(blob: Buffer): GcmParts | undefined {
  if (blob.byteLength < GCM_IV_BYTES + GCM_TAG_BYTES) return undefined;
  return {
    iv: blob.subarray(0, GCM_IV_BYTES),
    ciphertext: blob.subarray(GCM_IV_BYTES, blob.byteLength - GCM_TAG_BYTES),
    tag: blob.subarray(blob.byteLength - GCM_TAG_BYTES),
  };
}
