// The self-contained proof that an event is in the ledger, as served by GET /v1/events/:eventId/proof:
// an RFC 9162 inclusion proof plus the signed checkpoint it leads to, checkable with the public key alone.
import { readSignedCheckpoint, verifyCheckpoint, type Checkpoint } from './checkpoint';
import type { PublicKeyInput } from './ed25519-keys';
import { decodeHex } from './encoding';
import { HASH_SIZE, leafHash } from './hashing';
import type { TreeView } from './tree-view';
import { isTreeSize } from './tree-size';
import { verifyInclusion } from './verify-inclusion';
import { invalid } from './verdict';

export interface ProofBundle {
  version: 1;
  eventId: string;
  leafIndex: number;
  treeSize: number;
  /** Hex of the leaf hash, SHA-256(0x00 || the event's canonical bytes). */
  leafHash: string;
  /** Hex hashes of the inclusion proof, from the leaf's sibling upwards. */
  auditPath: string[];
  /** The signed checkpoint (C2SP signed note) whose root the proof leads to. */
  checkpoint: string;
  /** Hex of the event's canonical bytes, so a verifier can recompute the leaf hash. */
  leafData?: string;
}

/** On success, what was proven: the event, its place, and the verified checkpoint it is under. */
export type ProofBundleVerdict =
  { ok: true; eventId: string; leafIndex: number; leafDataChecked: boolean; checkpoint: Checkpoint; keyName: string } | { ok: false; reason: string };

export interface ProofBundleInput {
  eventId: string;
  leafIndex: number;
  /** The log's tree (in memory, or a view of its tiles), holding at least as many leaves as the checkpoint covers. */
  tree: Pick<TreeView, 'root' | 'leafHash' | 'inclusionProof'>;
  /** A checkpoint this log signed; the proof is made at its size. */
  signedCheckpoint: string;
  leafData?: Uint8Array;
}

/**
 * Builds the bundle for one event. Throws if the pieces disagree (the tree's root at the
 * checkpoint's size, or the leaf data's hash), so the log never serves a proof that cannot verify.
 */
export function createProofBundle({ eventId, leafIndex, tree, signedCheckpoint, leafData }: ProofBundleInput): ProofBundle {
  const checkpoint = readSignedCheckpoint(signedCheckpoint);
  if (!tree.root(checkpoint.size).equals(checkpoint.rootHash)) {
    throw new RangeError(`the tree's root at size ${checkpoint.size} differs from the checkpoint's`);
  }
  const hash = tree.leafHash(leafIndex);
  if (leafData !== undefined && !leafHash(leafData).equals(hash)) {
    throw new RangeError(`leaf data does not hash to leaf ${leafIndex}`);
  }
  return {
    version: 1,
    eventId,
    leafIndex,
    treeSize: checkpoint.size,
    leafHash: hash.toString('hex'),
    auditPath: tree.inclusionProof(leafIndex, checkpoint.size).map((node) => node.toString('hex')),
    checkpoint: signedCheckpoint,
    ...(leafData === undefined ? {} : { leafData: Buffer.from(leafData).toString('hex') }),
  };
}

/**
 * Checks a bundle (typically parsed JSON, so of unknown shape) against the ledger's public key: the
 * checkpoint signature, that the checkpoint is for the bundle's tree size, the leaf data's hash and
 * event id when leaf data is present, and the inclusion proof up to the checkpoint's root. Never throws.
 */
export function verifyProofBundle(bundle: unknown, publicKey: PublicKeyInput): ProofBundleVerdict {
  const shape = readBundle(bundle);
  if ('reason' in shape) return invalid(shape.reason);

  const signed = verifyCheckpoint(shape.checkpoint, publicKey);
  if (!signed.ok) return invalid(`checkpoint: ${signed.reason}`);
  const { checkpoint } = signed;
  if (checkpoint.size !== shape.treeSize) {
    return invalid(`bundle tree size ${shape.treeSize} differs from checkpoint size ${checkpoint.size}`);
  }

  if (shape.leafData !== undefined) {
    if (!leafHash(shape.leafData).equals(shape.leafHash)) return invalid('leafData does not hash to leafHash');
    const leafEventId = eventIdOf(shape.leafData);
    if (leafEventId !== undefined && leafEventId !== shape.eventId) {
      return invalid(`leafData is event ${JSON.stringify(leafEventId)}, not ${JSON.stringify(shape.eventId)}`);
    }
  }

  const inclusion = verifyInclusion({
    leafIndex: shape.leafIndex,
    treeSize: shape.treeSize,
    leafHash: shape.leafHash,
    proof: shape.auditPath,
    rootHash: checkpoint.rootHash,
  });
  if (!inclusion.ok) return invalid(`inclusion: ${inclusion.reason}`);
  return {
    ok: true,
    eventId: shape.eventId,
    leafIndex: shape.leafIndex,
    leafDataChecked: shape.leafData !== undefined,
    checkpoint,
    keyName: signed.keyName,
  };
}

const EVENT_ID = /^[^\u0000-\u001f\u007f]+$/;

interface DecodedBundle {
  eventId: string;
  leafIndex: number;
  treeSize: number;
  leafHash: Buffer;
  auditPath: Buffer[];
  checkpoint: string;
  leafData?: Buffer;
}

function readBundle(value: unknown): DecodedBundle | { reason: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { reason: 'bundle must be a JSON object' };
  const bundle = value as Record<string, unknown>;
  if (bundle.version !== 1) return { reason: `unsupported bundle version ${JSON.stringify(bundle.version)}` };
  // Control characters are refused so that an auditor's terminal only ever shows what was proven.
  if (typeof bundle.eventId !== 'string' || !EVENT_ID.test(bundle.eventId)) {
    return { reason: 'eventId must be a non-empty string without control characters' };
  }
  if (!isTreeSize(bundle.leafIndex)) return { reason: 'leafIndex must be a non-negative integer' };
  if (!isTreeSize(bundle.treeSize)) return { reason: 'treeSize must be a non-negative integer' };
  const hash = hashFromHex(bundle.leafHash);
  if (hash === undefined) return { reason: `leafHash must be ${HASH_SIZE} bytes of hex` };
  if (!Array.isArray(bundle.auditPath)) return { reason: 'auditPath must be an array' };
  const auditPath: Buffer[] = [];
  for (const [i, element] of bundle.auditPath.entries()) {
    const node = hashFromHex(element);
    if (node === undefined) return { reason: `auditPath[${i}] must be ${HASH_SIZE} bytes of hex` };
    auditPath.push(node);
  }
  if (typeof bundle.checkpoint !== 'string') return { reason: 'checkpoint must be a string' };
  let leafData: Buffer | undefined;
  if (bundle.leafData !== undefined) {
    leafData = typeof bundle.leafData === 'string' ? decodeHex(bundle.leafData) : undefined;
    if (leafData === undefined) return { reason: 'leafData must be hex' };
  }
  return {
    eventId: bundle.eventId,
    leafIndex: bundle.leafIndex,
    treeSize: bundle.treeSize,
    leafHash: hash,
    auditPath,
    checkpoint: bundle.checkpoint,
    ...(leafData === undefined ? {} : { leafData }),
  };
}

function hashFromHex(value: unknown): Buffer | undefined {
  const bytes = typeof value === 'string' ? decodeHex(value) : undefined;
  return bytes?.length === HASH_SIZE ? bytes : undefined;
}

// Leaves are canonical CloudEvents JSON; when the leaf is one, its id must be the event the bundle
// claims to prove, or a valid proof of some other event could be passed off as this one.
function eventIdOf(leafData: Buffer): string | undefined {
  try {
    const parsed: unknown = JSON.parse(leafData.toString('utf8'));
    const id = typeof parsed === 'object' && parsed !== null ? (parsed as { id?: unknown }).id : undefined;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
