// The RFC 9162 §2.1 hash functions (SHA-256 with domain-separated leaf and node prefixes).
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) — the hash of an empty tree is the hash of the empty string. */
export const EMPTY_TREE_ROOT: Buffer = createHash('sha256').digest();

/** MTH({d}) = SHA-256(0x00 || d). */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x01 || left || right); no length check, the RFC defines it for any inputs. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** Returns the bytes as a Buffer after checking they are one SHA-256 hash; throws otherwise. */
export function requireHash(bytes: Uint8Array, what: string): Buffer {
  if (bytes.length !== HASH_SIZE) {
    throw new RangeError(`${what} must be ${HASH_SIZE} bytes, got ${bytes.length}`);
  }
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
}
