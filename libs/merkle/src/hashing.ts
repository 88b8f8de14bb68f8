// The RFC 9162 §2.1 hash functions (SHA-256 with domain-separated leaf and node prefixes).
import { createHash, hash } from 'node:crypto';

export const HASH_SIZE = 32;

/** MTH({}) — the hash of an empty tree is the hash of the empty string. */
export const EMPTY_TREE_ROOT: Buffer = createHash('sha256').digest();

// One-shot hashing of one prefixed buffer: about twice as fast per hash as a streaming Hash object, which is
// what verifying a whole replica spends most of its time on.

/** MTH({d}) = SHA-256(0x00 || d). */
export function leafHash(data: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(data.length + 1);
  input[0] = 0x00;
  input.set(data, 1);
  return hash('sha256', input, 'buffer');
}

/** SHA-256(0x01 || left || right); no length check, the RFC defines it for any inputs. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return hash('sha256', input, 'buffer');
}

/** Returns the bytes as a Buffer after checking they are one SHA-256 hash; throws otherwise. */
export function requireHash(bytes: Uint8Array, what: string): Buffer {
  if (bytes.length !== HASH_SIZE) {
    throw new RangeError(`${what} must be ${HASH_SIZE} bytes, got ${bytes.length}`);
  }
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
}
