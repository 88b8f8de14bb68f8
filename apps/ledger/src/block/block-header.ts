// Block headers: their hash (SHA-256 over 0x02 || RFC 8785 bytes, apart from RFC 9162's leaf and node
// prefixes) and the ledger's Ed25519 signature over exactly those bytes.
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import type { z } from 'zod';
import { canonicalBytes, type blockHeader, type offsetRange } from '@medshare/contracts';

export type BlockHeader = z.infer<typeof blockHeader>;
export type OffsetRange = z.infer<typeof offsetRange>;

/** The previous hash of the first block (height 0). */
export const GENESIS_PREVIOUS_HASH = '0'.repeat(64);

const BLOCK_PREFIX = Buffer.from([0x02]);

/** 0x02 || canonical header bytes: what the block hash digests and the signature covers. */
export function blockPreimage(header: BlockHeader): Buffer {
  return Buffer.concat([BLOCK_PREFIX, canonicalBytes(header)]);
}

export function blockHashOf(header: BlockHeader): string {
  return createHash('sha256').update(blockPreimage(header)).digest('hex');
}

/** Base64 Ed25519 signature of the block preimage. */
export function signHeader(header: BlockHeader, privateKey: KeyObject): string {
  return sign(null, blockPreimage(header), privateKey).toString('base64');
}

export function headerSignatureValid(header: BlockHeader, signature: string, publicKey: KeyObject): boolean {
  const bytes = Buffer.from(signature, 'base64');
  return bytes.length === 64 && bytes.toString('base64') === signature && verify(null, blockPreimage(header), publicKey, bytes);
}
