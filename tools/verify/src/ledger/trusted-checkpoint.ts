// The newest signed tree head an auditor trusts (from GET /v1/blocks/head or a witness): a ledger that
// is shorter than it was cut short, and one whose tree at its size has another root is not the ledger
// that was signed. Without it a verifier can only say that what is there is consistent.
import { readFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { verifyCheckpoint, type Checkpoint } from '@medshare/merkle';
import { UsageError, type FlagSpec } from '../cli';

/** `--checkpoint FILE` of the whole-ledger commands (`replica`, `file`). */
export const checkpointFlag: FlagSpec = {
  value: 'FILE',
  description: 'a signed head the auditor trusts (GET /v1/blocks/head as JSON, or the checkpoint note): a shorter or different ledger is invalid',
};

/**
 * Reads `--checkpoint FILE`: the C2SP signed checkpoint note itself, or the JSON of GET /v1/blocks/head
 * (its `checkpoint` field). It must verify with the ledger's key, or nothing can be judged against it.
 */
export async function loadTrustedCheckpoint(path: string | undefined, publicKey: KeyObject): Promise<Checkpoint | undefined> {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--checkpoint: cannot read ${path}: ${(error as Error).message}`);
  }
  const verdict = verifyCheckpoint(noteOf(text), publicKey);
  if (!verdict.ok) throw new UsageError(`--checkpoint: ${path}: ${verdict.reason}`);
  return verdict.checkpoint;
}

function noteOf(text: string): string {
  try {
    const head = JSON.parse(text) as { checkpoint?: unknown };
    if (typeof head?.checkpoint === 'string') return head.checkpoint;
  } catch {
    // Not JSON: the note itself.
  }
  return text;
}
