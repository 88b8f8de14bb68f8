// Strict byte encodings shared by the modules: base64 that rejects junk, and RFC 4648 base32 for pseudonyms.
import { CryptoError, CryptoErrorCode } from './crypto-error';

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Node's decoder silently skips invalid characters; a tampered field must fail loudly instead. Canonical means it
 * encodes back to the same text (padded, standard alphabet): ~15x cheaper than a regex over a large ciphertext.
 */
export function fromBase64(text: string, field: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw new CryptoError(CryptoErrorCode.InvalidInput, `${field} is not canonical base64`);
  }
  return bytes;
}

export function requireLength(bytes: Uint8Array, length: number, field: string): void {
  if (bytes.byteLength !== length) {
    throw new CryptoError(CryptoErrorCode.InvalidInput, `${field} must be ${length} bytes, got ${bytes.byteLength}`);
  }
}

const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower case, no padding: case-insensitive systems and URLs keep it intact. */
export function toBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff; // at most 12 pending bits matter
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}
