// Signed tree heads as C2SP checkpoints (c2sp.org/tlog-checkpoint): a signed note whose text is
// "<origin>\n<size>\n<base64 root>\n", the external form witnesses and auditors check.
import { decodeBase64 } from './encoding';
import type { PrivateKeyInput, PublicKeyInput } from './ed25519-keys';
import { HASH_SIZE, requireHash } from './hashing';
import { signNote, splitSignedNote, verifyNote } from './signed-note';
import { requireTreeSize } from './tree-size';
import { invalid } from './verdict';

export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Buffer;
}

export type CheckpointVerdict = { ok: true; checkpoint: Checkpoint; keyName: string } | { ok: false; reason: string };

const DECIMAL_WITHOUT_LEADING_ZEROES = /^(?:0|[1-9][0-9]*)$/;
const ORIGIN = /^[^\u0000-\u001f]+$/;

/** The checkpoint note text. Throws RangeError on an empty origin, bad size or a root not 32 bytes. */
export function formatCheckpoint({ origin, size, rootHash }: { origin: string; size: number; rootHash: Uint8Array }): string {
  if (!ORIGIN.test(origin)) throw new RangeError('origin must be a non-empty line without control characters');
  requireTreeSize(size, 'checkpoint size');
  const root = requireHash(rootHash, 'checkpoint root hash');
  return `${origin}\n${size}\n${root.toString('base64')}\n`;
}

/** Signs a checkpoint; the key name defaults to the origin, as the spec recommends. */
export function signCheckpoint(checkpoint: Checkpoint, privateKey: PrivateKeyInput, keyName = checkpoint.origin): string {
  return signNote(formatCheckpoint(checkpoint), keyName, privateKey);
}

/** Verifies a signed checkpoint against the log's public key and parses it. Never throws. */
export function verifyCheckpoint(note: string, publicKey: PublicKeyInput): CheckpointVerdict {
  const opened = verifyNote(note, publicKey);
  if (!opened.ok) return opened;
  const parsed = parseCheckpointText(opened.text);
  if ('reason' in parsed) return invalid(parsed.reason);
  return { ok: true, checkpoint: parsed, keyName: opened.keyName };
}

/**
 * Reads a signed checkpoint WITHOUT checking its signature, for a log reading back what it signed
 * itself. Throws TypeError when malformed. Anyone else must use verifyCheckpoint.
 */
export function readSignedCheckpoint(note: string): Checkpoint {
  const split = splitSignedNote(note);
  const parsed = 'reason' in split ? split : parseCheckpointText(split.text);
  if ('reason' in parsed) throw new TypeError(parsed.reason);
  return parsed;
}

function parseCheckpointText(text: string): Checkpoint | { reason: string } {
  // Lines after the third are extension lines: signed, opaque, and ignored here.
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((line) => line === '')) {
    return { reason: 'checkpoint text must be at least three non-empty lines' };
  }
  const [origin, sizeText, rootText] = lines;
  const size = Number(sizeText);
  if (!DECIMAL_WITHOUT_LEADING_ZEROES.test(sizeText) || !Number.isSafeInteger(size)) {
    return { reason: `checkpoint size ${JSON.stringify(sizeText)} is not a decimal tree size` };
  }
  const rootHash = decodeBase64(rootText);
  if (rootHash?.length !== HASH_SIZE) {
    return { reason: `checkpoint root ${JSON.stringify(rootText)} is not the base64 of a ${HASH_SIZE}-byte hash` };
  }
  return { origin, size, rootHash };
}
