// Seals a batch of leaves into the next block of the chain: header, hash, signature, checkpoint, and the
// tree state and Kafka cursor after it (persisted with the block so a restart resumes in O(log n)).
import type { KeyObject } from 'node:crypto';
import { signCheckpoint, type CompactRangeState } from '@medshare/merkle';
import { blockHashOf, GENESIS_PREVIOUS_HASH, signHeader, type BlockHeader } from './block-header';
import type { Leaf } from './leaf';
import { advanceCursor, rangesOf, type OffsetCursor, type Positioned } from './offset-cursor';
import { appendBlockLeaves } from './tree-append';

/** One ledger row: a leaf with where it sits in the tree and where it came from in Kafka. */
export interface EventRow extends Leaf, Positioned {
  leafIndex: number;
  height: number;
}

/** A block as replicas store it, without its events. */
export interface BlockRecord {
  header: BlockHeader;
  blockHash: string;
  /** Base64 Ed25519 signature of 0x02 || canonical header. */
  signature: string;
  /** C2SP signed checkpoint of the tree head after this block. */
  checkpoint: string;
  treeState: CompactRangeState;
  cursor: OffsetCursor;
}

export interface SealedBlock extends BlockRecord {
  events: EventRow[];
}

/** What a writer needs to append the next block. */
export interface ChainHead {
  /** -1 for an empty chain. */
  height: number;
  blockHash: string;
  treeState: CompactRangeState;
  cursor: OffsetCursor;
}

export const EMPTY_CHAIN: ChainHead = Object.freeze({ height: -1, blockHash: GENESIS_PREVIOUS_HASH, treeState: { size: 0, hashes: [] }, cursor: {} });

export interface LedgerSigner {
  privateKey: KeyObject;
  /** Checkpoint origin, also the signer's key name. */
  origin: string;
}

export interface PendingLeaf extends Positioned {
  leaf: Leaf;
}

export function sealBlock(
  head: ChainHead,
  pending: readonly PendingLeaf[],
  { positions, time, signer }: { positions: OffsetCursor; time: Date; signer: LedgerSigner },
): SealedBlock {
  if (pending.length === 0) throw new RangeError('a block holds at least one event');
  const height = head.height + 1;
  const firstLeaf = head.treeState.size;
  // Fields listed, not spread: one object shape for every row, and no generic copy per event on the hot path.
  const events: EventRow[] = pending.map(({ topic, partition, offset, leaf }, i) => ({
    eventId: leaf.eventId,
    eventType: leaf.eventType,
    canonical: leaf.canonical,
    leafHash: leaf.leafHash,
    topic,
    partition,
    offset,
    leafIndex: firstLeaf + i,
    height,
  }));
  const tree = appendBlockLeaves(
    head.treeState,
    events.map((event) => event.leafHash),
  );
  const offsets = rangesOf(positions, pending);
  const size = tree.treeSize;
  const rootHash = tree.treeRoot;
  const header: BlockHeader = {
    height,
    previousHash: head.blockHash,
    merkleRoot: tree.blockRoot.toString('hex'),
    eventCount: events.length,
    treeSize: size,
    treeRoot: rootHash.toString('hex'),
    offsets,
    time: time.toISOString(),
  };
  return {
    header,
    blockHash: blockHashOf(header),
    signature: signHeader(header, signer.privateKey),
    checkpoint: signCheckpoint({ origin: signer.origin, size, rootHash }, signer.privateKey),
    treeState: tree.treeState,
    cursor: advanceCursor(head.cursor, offsets),
    events,
  };
}

export function headOf(block: BlockRecord): ChainHead {
  return { height: block.header.height, blockHash: block.blockHash, treeState: block.treeState, cursor: block.cursor };
}
