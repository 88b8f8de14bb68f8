// The content hash recorded in records.encrypted metadata: lets the ledger and auditors match bytes without seeing them.
import { createHash } from 'node:crypto';

/** SHA-256, lower-case hex (64 characters). */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
