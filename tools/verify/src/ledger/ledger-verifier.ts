// Verifies a whole ledger read from any source (a replica database, an exported file), with the CLI's
// own implementation of every check, nothing of the ledger service reused (the per-row checks are
// @medshare/merkle's, which the service's verification shares): each leaf hash from the
// stored event bytes, each block's Merkle root, the log's tree head after each block, the hash chain,
// the Ed25519 signature of every header, every signed checkpoint, and the Kafka offset ranges (each
// starts where the previous block left its partition). Each problem names its height and row.
import { createHash, verify as verifySignature, type KeyObject } from 'node:crypto';
import { CompactRange, offsetOf, rootFromLeafHashes, verifyCheckpoint, type CheckedEvent, type Checkpoint, type StoredEvent } from '@medshare/merkle';

export interface Finding {
  height: number;
  /** `header`, `block`, `event leaf N`, or `line N` of a file. */
  row: string;
  problem: string;
}

export interface OffsetRange {
  topic: string;
  partition: number;
  first: string;
  last: string;
}

/** The header fields exactly as signed: 0x02 || RFC 8785 JSON of these. */
export interface LedgerHeader {
  height: number;
  previousHash: string;
  merkleRoot: string;
  eventCount: number;
  treeSize: number;
  treeRoot: string;
  offsets: OffsetRange[];
  time: string;
}

export interface LedgerBlock {
  header: LedgerHeader;
  blockHash: string;
  /** Base64 Ed25519 signature of 0x02 || canonical header. */
  signature: string;
  /** C2SP signed checkpoint of the tree head after the block. */
  checkpoint: string;
  /** The compact range after the block, as stored (only used to go on after a bad tree head). */
  treeState: unknown;
}

/** An event row as stored (what an export carries: no event type). */
export type LedgerEvent = Omit<StoredEvent, 'eventType'>;

/** Consecutive blocks, heights ascending, with every event row stored under their heights. */
export interface LedgerPage<E = CheckedEvent> {
  blocks: LedgerBlock[];
  events: E[];
  /** Problems the source found reading the page (a malformed line of a file). */
  findings?: Finding[];
}

/** Where a ledger is read from: the verification is the same whatever the source. */
export interface LedgerSource {
  pages(): AsyncIterable<LedgerPage>;
  /** Event rows beyond the verified tree or under no height up to the head, which no page delivered. */
  strays(treeSize: number, headHeight: number): Promise<{ leafIndex: number; height: number }[]>;
}

export interface LedgerVerdict {
  findings: Finding[];
  height: number;
  treeSize: number;
  treeRoot: string;
  /** The trusted checkpoint the ledger was held against, when one was given. */
  trusted?: Checkpoint;
}

const GENESIS = '0'.repeat(64);

/** Verifies the whole ledger; with `trusted`, also that it reaches that signed head and agrees with it. */
export async function verifyLedger(source: LedgerSource, publicKey: KeyObject, trusted?: Checkpoint): Promise<LedgerVerdict> {
  const findings: Finding[] = [];
  let expectedHeight = 0;
  let previousHash = GENESIS;
  let tree = CompactRange.empty();
  // The root of the ledger's own leaves at the trusted size, and the height of the block that reached it.
  let atTrusted = trusted?.size === 0 ? { root: tree.root(), height: -1 } : undefined;
  const cursor = new Map<string, bigint>();
  for await (const page of source.pages()) {
    findings.push(...(page.findings ?? []));
    const byHeight = new Map<number, CheckedEvent[]>();
    for (const event of page.events) {
      const group = byHeight.get(event.height);
      if (group) group.push(event);
      else byHeight.set(event.height, [event]);
    }
    for (const { header, blockHash, signature, checkpoint, treeState } of page.blocks) {
      const { height } = header;
      const report = (row: string, problem: string) => findings.push({ height, row, problem });
      for (; expectedHeight < height; expectedHeight += 1) findings.push({ height: expectedHeight, row: 'block', problem: 'block is missing' });
      const preimage = Buffer.concat([Buffer.from([0x02]), Buffer.from(canonicalJson(signedFields(header)), 'utf8')]);
      if (header.previousHash !== previousHash) report('header', 'previous hash does not link to the block before');
      if (createHash('sha256').update(preimage).digest('hex') !== blockHash) report('header', 'block hash does not match the header');
      const signatureBytes = Buffer.from(signature, 'base64');
      if (signatureBytes.length !== 64 || !verifySignature(null, preimage, publicKey, signatureBytes))
        report('header', 'signature does not verify with the ledger key');

      const first = tree.size;
      const rows = byHeight.get(height) ?? [];
      byHeight.delete(height);
      // Leaf hashes as 'binary' strings (libs/merkle hashing.ts): no Buffer per hash.
      const hashes: string[] = [];
      const present = new Uint8Array(Math.max(0, header.eventCount));
      const lastOffset = new Map<string, number | bigint>();
      const ranges = new Map(header.offsets.map((range) => [`${range.topic}:${range.partition}`, range]));
      const bounds = new Map([...ranges].map(([key, range]) => [key, { first: offsetOf(range.first), last: offsetOf(range.last) }]));
      // Consecutive events mostly share a partition: its key, range and last offset are looked up when it changes.
      let [topic, partition, key, range, last] = ['', NaN, '', bounds.get(''), undefined as number | bigint | undefined];
      for (const event of rows) {
        const index = event.leafIndex - first;
        if (!(index >= 0 && index < header.eventCount) || present[index] === 1) {
          report(leafRow(event), 'event row does not belong to this block');
          continue;
        }
        present[index] = 1;
        if (!event.leafHashMatches) report(leafRow(event), 'leaf hash does not match the stored event bytes');
        if (!event.eventIdMatches) report(leafRow(event), 'event id does not match the stored event bytes');
        if (event.topic !== topic || event.partition !== partition) {
          if (last !== undefined) lastOffset.set(key, last);
          [topic, partition, key] = [event.topic, event.partition, `${event.topic}:${event.partition}`];
          [range, last] = [bounds.get(key), lastOffset.get(key)];
        }
        // Written so that an offset that is no number (NaN) fails too.
        const { offset } = event;
        if (!range || !(offset >= range.first && offset <= range.last && (last === undefined || offset > last)))
          report(leafRow(event), `offset ${key}@${offset} is outside or out of order in the block's ranges`);
        last = offset;
        hashes.push(event.leaf);
      }
      if (last !== undefined) lastOffset.set(key, last);
      for (let i = 0; i < header.eventCount; i += 1) if (present[i] === 0) report(`event leaf ${first + i}`, 'event row is missing');
      // The block's root and the log's append share the nodes they have in common; leaf by leaf only in the block
      // that reaches the trusted size (its root is wanted there).
      const reachesTrusted = trusted !== undefined && trusted.size > tree.size && trusted.size <= tree.size + hashes.length;
      if (
        (reachesTrusted ? appendLeaves(tree, hashes, trusted, (root) => (atTrusted = { root, height })) : tree.appendBlock(hashes)).toString('hex') !==
        header.merkleRoot
      )
        report('header', "Merkle root does not match the block's events");
      if (tree.size !== header.treeSize || tree.root().toString('hex') !== header.treeRoot) {
        report('header', "tree head does not match the log's leaves");
        // Go on from the signed state, so later blocks are judged on their own.
        const stored = compactRangeOf(treeState);
        if (stored?.size === header.treeSize && stored.root().toString('hex') === header.treeRoot) tree = stored;
      }
      const verdict = verifyCheckpoint(checkpoint, publicKey);
      if (!verdict.ok) report('block', `checkpoint: ${verdict.reason}`);
      else if (verdict.checkpoint.size !== header.treeSize || verdict.checkpoint.rootHash.toString('hex') !== header.treeRoot)
        report('block', 'checkpoint is for another tree head');
      for (const [key, range] of ranges) {
        const next = cursor.get(key);
        if (next !== undefined && BigInt(range.first) !== next)
          report('header', `offsets of ${key} start at ${range.first}, not where the chain left it (${next})`);
        const seen = lastOffset.get(key);
        if (seen === undefined || BigInt(seen) !== BigInt(range.last)) report('header', `offset range of ${key} does not end at its last event`);
        cursor.set(key, BigInt(range.last) + 1n);
      }
      expectedHeight = height + 1;
      previousHash = blockHash;
    }
    for (const stray of [...byHeight.values()].flat())
      findings.push({ height: stray.height, row: `event leaf ${stray.leafIndex}`, problem: 'event row belongs to no block' });
  }
  const head = expectedHeight - 1;
  for (const stray of await source.strays(tree.size, head))
    findings.push({ height: stray.height, row: `event leaf ${stray.leafIndex}`, problem: 'event row belongs to no block' });
  if (trusted !== undefined) findings.push(...againstTrusted(trusted, atTrusted, { height: head, treeSize: tree.size }));
  return { findings, height: head, treeSize: tree.size, treeRoot: tree.root().toString('hex'), trusted };
}

/** Appends leaf by leaf, handing over the root at the trusted size; returns the leaves' own root. */
function appendLeaves(tree: CompactRange, hashes: readonly string[], trusted: Checkpoint, atTrusted: (root: Buffer) => void): Buffer {
  for (const hash of hashes) {
    tree.append(hash);
    if (tree.size === trusted.size) atTrusted(tree.root());
  }
  return rootFromLeafHashes(hashes);
}

/** Row names are built only for a finding: a string per event cost more than some checks. */
function leafRow(event: CheckedEvent): string {
  return `event leaf ${event.leafIndex}`;
}

/** A ledger shorter than the trusted head was cut short; one with another root at its size is another ledger. */
function againstTrusted(trusted: Checkpoint, atTrusted: { root: Buffer; height: number } | undefined, head: { height: number; treeSize: number }): Finding[] {
  const row = 'trusted checkpoint';
  if (atTrusted === undefined) {
    return [
      {
        height: head.height,
        row,
        problem: `the ledger ends at tree size ${head.treeSize}, below the trusted checkpoint's size ${trusted.size}: it was cut short`,
      },
    ];
  }
  if (!atTrusted.root.equals(trusted.rootHash)) {
    return [
      {
        height: atTrusted.height,
        row,
        problem: `the tree of size ${trusted.size} has another root than the trusted checkpoint: not the ledger that was signed`,
      },
    ];
  }
  return [];
}

/** Only the signed fields, whatever else a source carries: an added field must not change the hash. */
function signedFields({ height, previousHash, merkleRoot, eventCount, treeSize, treeRoot, offsets, time }: LedgerHeader): LedgerHeader {
  return { height, previousHash, merkleRoot, eventCount, treeSize, treeRoot, offsets, time };
}

/** RFC 8785 for JSON values: ECMAScript serialisation with object keys sorted by UTF-16 code units. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function compactRangeOf(state: unknown): CompactRange | undefined {
  try {
    return CompactRange.fromJSON(state);
  } catch {
    return undefined;
  }
}
