// Verifies a replica's chain block by block, trusting nothing stored: every leaf hash from the event
// bytes, each block's Merkle root, the whole log's tree head, the chain link, the signature, the signed
// checkpoint and the Kafka offset ranges. Reports each problem with the height and row it is in.
import type { KeyObject } from 'node:crypto';
import { blockHeader } from '@medshare/contracts';
import { CompactRange, offsetOf, verifyCheckpoint, type CheckedEvent } from '@medshare/merkle';
import { blockHashOf, GENESIS_PREVIOUS_HASH, headerSignatureValid, type BlockHeader } from '../block/block-header';
import { advanceCursor, cursorKey, sameCursor, type OffsetCursor } from '../block/offset-cursor';

export interface Finding {
  height: number;
  /** `header`, `block`, or `event leaf N`. */
  row: string;
  problem: string;
}

/** A block row as read back, before anything about it is believed. */
export interface StoredBlock {
  height: number;
  header: unknown;
  blockHash: string;
  signature: string;
  checkpoint: string;
  treeState: unknown;
  cursor: OffsetCursor;
}

export class ChainVerifier {
  private expectedHeight = 0;
  private previousHash = GENESIS_PREVIOUS_HASH;
  private tree = CompactRange.empty();
  private cursor: OffsetCursor = {};

  constructor(private readonly publicKey: KeyObject) {}

  /** A verifier that continues a chain after `previous`, a block already trusted (it matches the quorum). */
  static after(previous: StoredBlock | undefined, publicKey: KeyObject): ChainVerifier {
    const verifier = new ChainVerifier(publicKey);
    if (previous !== undefined) verifier.skip(previous);
    return verifier;
  }

  /** The verified tree size so far: event rows at or beyond it belong to no verified block. */
  get treeSize(): number {
    return this.tree.size;
  }

  get nextHeight(): number {
    return this.expectedHeight;
  }

  /**
   * Checks the next stored block with the event rows stored under its height, in leaf order, each already checked
   * against its own bytes (`checkedEvent` of @medshare/merkle, or a replica's reading: SnapshotReader.checkedEvents).
   */
  check(stored: StoredBlock, events: readonly CheckedEvent[]): Finding[] {
    const findings: Finding[] = [];
    const report = (row: string, problem: string) => findings.push({ height: stored.height, row, problem });
    for (let missing = this.expectedHeight; missing < stored.height; missing += 1) {
      findings.push({ height: missing, row: 'block', problem: 'block is missing' });
    }
    const parsed = blockHeader.safeParse(stored.header);
    if (!parsed.success) {
      report('header', `header is malformed: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      this.skip(stored);
      return findings;
    }
    const header = parsed.data;
    if (header.height !== stored.height) report('header', `header height ${header.height} is stored at height ${stored.height}`);
    if (header.previousHash !== this.previousHash) report('header', 'previous hash does not link to the block before');
    if (blockHashOf(header) !== stored.blockHash) report('header', 'block hash does not match the header');
    if (!headerSignatureValid(header, stored.signature, this.publicKey)) report('header', 'signature does not verify with the ledger key');
    this.checkCheckpoint(header, stored.checkpoint, report);

    const computed = this.checkEvents(header, events, report);
    const tree = CompactRange.fromJSON(this.tree.toJSON());
    // The block's root and the log's append share the nodes they have in common.
    if (!tree.appendBlock(computed.leafHashes).equals(Buffer.from(header.merkleRoot, 'hex'))) report('header', "Merkle root does not match the block's events");
    const head = tree.treeHead();
    const headMatches = head.size === header.treeSize && head.rootHash.toString('hex') === header.treeRoot;
    if (!headMatches) report('header', "tree head does not match the log's leaves");
    const storedTree = readTreeState(stored.treeState);
    const storedMatches = storedTree !== undefined && storedTree.size === header.treeSize && storedTree.root().toString('hex') === header.treeRoot;
    if (storedTree === undefined || storedTree.size !== head.size || !storedTree.root().equals(head.rootHash))
      report('block', 'stored tree state differs from the tree head');

    this.checkOffsets(header, events, report);
    const nextCursor = advanceCursor(this.cursor, header.offsets);
    if (!sameCursor(nextCursor, stored.cursor)) report('block', "stored Kafka cursor differs from the block's offset ranges");

    // Carry on from what the block should have been, so one bad row does not cascade into every later height.
    this.expectedHeight = stored.height + 1;
    this.previousHash = stored.blockHash;
    this.tree = !headMatches && storedMatches ? (storedTree as CompactRange) : tree;
    this.cursor = nextCursor;
    return findings;
  }

  /** After the last block: event rows beyond the verified tree belong to no block. */
  orphans(rows: readonly { leafIndex: number; height: number }[]): Finding[] {
    return rows.map(({ leafIndex, height }) => ({ height, row: `event leaf ${leafIndex}`, problem: 'event row belongs to no block' }));
  }

  private skip(stored: StoredBlock): void {
    this.expectedHeight = stored.height + 1;
    this.previousHash = stored.blockHash;
    const storedTree = readTreeState(stored.treeState);
    if (storedTree !== undefined) this.tree = storedTree;
    this.cursor = stored.cursor;
  }

  private checkCheckpoint(header: BlockHeader, checkpoint: string, report: (row: string, problem: string) => void): void {
    const verdict = verifyCheckpoint(checkpoint, this.publicKey);
    if (!verdict.ok) report('block', `checkpoint: ${verdict.reason}`);
    else if (verdict.checkpoint.size !== header.treeSize || verdict.checkpoint.rootHash.toString('hex') !== header.treeRoot) {
      report('block', 'checkpoint is for another tree head');
    }
  }

  private checkEvents(header: BlockHeader, events: readonly CheckedEvent[], report: (row: string, problem: string) => void) {
    const first = this.tree.size;
    const end = first + header.eventCount;
    // As 'binary' strings (libs/merkle hashing.ts): no Buffer per hash.
    const leafHashes: string[] = [];
    const present = new Uint8Array(Math.max(0, header.eventCount));
    for (const event of events) {
      const index = event.leafIndex - first;
      if (!(index >= 0 && index < header.eventCount) || present[index] === 1) {
        report(leafRow(event), `event row does not belong to this block's leaves ${first}..${first + header.eventCount - 1}`);
        continue;
      }
      present[index] = 1;
      if (!event.leafHashMatches) report(leafRow(event), 'leaf hash does not match the stored event bytes');
      if (!event.eventIdMatches || event.eventTypeMatches !== true) report(leafRow(event), 'event id or type does not match the stored event bytes');
      leafHashes.push(event.leaf);
    }
    for (let index = first; index < end; index += 1) if (present[index - first] === 0) report(`event leaf ${index}`, 'event row is missing');
    return { leafHashes };
  }

  private checkOffsets(header: BlockHeader, events: readonly CheckedEvent[], report: (row: string, problem: string) => void): void {
    const ranges = new Map(header.offsets.map((range) => [cursorKey(range.topic, range.partition), range]));
    const bounds = new Map<string, { first: number | bigint; last: number | bigint }>();
    for (const [key, range] of ranges) {
      const previous = this.cursor[key];
      if (previous !== undefined && previous !== range.first)
        report('header', `offsets of ${key} start at ${range.first}, not where the chain left it (${previous})`);
      if (BigInt(range.first) > BigInt(range.last)) report('header', `offset range of ${key} is empty`);
      bounds.set(key, { first: offsetOf(range.first), last: offsetOf(range.last) });
    }
    const lastSeen = new Map<string, number | bigint>();
    // Consecutive events mostly share a partition: its key, bounds and last offset are looked up when it changes.
    let [topic, partition, key, range, last] = ['', NaN, '', bounds.get(''), undefined as number | bigint | undefined];
    for (const event of events) {
      if (event.topic !== topic || event.partition !== partition) {
        if (last !== undefined) lastSeen.set(key, last);
        [topic, partition, key] = [event.topic, event.partition, cursorKey(event.topic, event.partition)];
        [range, last] = [bounds.get(key), lastSeen.get(key)];
      }
      // Written so that an offset that is no number (NaN: NULL) is outside too.
      const { offset } = event;
      if (range === undefined || !(offset >= range.first && offset <= range.last)) {
        report(leafRow(event), `offset ${key}@${offset} is outside the block's ranges`);
      } else if (last !== undefined && last >= offset) {
        report(leafRow(event), `offset ${key}@${offset} is out of order`);
      }
      last = offset;
    }
    if (last !== undefined) lastSeen.set(key, last);
    for (const key of ranges.keys()) {
      const seen = lastSeen.get(key);
      if (seen === undefined || seen !== bounds.get(key)?.last) report('header', `offset range of ${key} does not end at its last event`);
    }
  }
}

/** Row names are built only for a finding: a string per event cost more than some checks. */
function leafRow(event: CheckedEvent): string {
  return `event leaf ${event.leafIndex}`;
}

function readTreeState(state: unknown): CompactRange | undefined {
  try {
    return CompactRange.fromJSON(state);
  } catch {
    return undefined;
  }
}
