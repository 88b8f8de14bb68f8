// Signed block headers the ledger publishes for external witnesses.
import { z } from 'zod';
import { base64, instant, sha256Hex } from './common';

export const offsetRange = z.strictObject({
  topic: z.string().min(1),
  partition: z.number().int().min(0),
  /** Inclusive first and last offsets of this block's events from this partition. */
  first: z.string().regex(/^\d+$/),
  last: z.string().regex(/^\d+$/),
});

export const blockHeader = z.strictObject({
  height: z.number().int().min(0),
  previousHash: sha256Hex,
  merkleRoot: sha256Hex,
  eventCount: z.number().int().min(1),
  treeSize: z.number().int().min(1),
  treeRoot: sha256Hex,
  offsets: z.array(offsetRange),
  time: instant,
});

export const ledgerBlockCommittedV1 = z.strictObject({
  header: blockHeader,
  blockHash: sha256Hex,
  signature: base64,
  checkpoint: z.string().min(1).max(4000),
});
