// The state of a growing log kept in O(log n) space: the roots of the perfect subtrees that make up
// leaves [0, n), enough to append in O(log n) and to give the RFC 9162 root at any time.
import { decodeHex } from './encoding';
import { EMPTY_TREE_ROOT, HASH_SIZE, nodeHashBinary, requireHash } from './hashing';
import { isTreeSize } from './tree-size';

/** A tree head in the RFC 9162 sense: a size and the root of the tree of that many leaves. */
export interface TreeHead {
  size: number;
  rootHash: Buffer;
}

/** The persisted form of a CompactRange; `hashes` are lowercase hex, largest subtree first. */
export interface CompactRangeState {
  size: number;
  hashes: string[];
}

export class CompactRange {
  // One hash per set bit of size, from the largest (leftmost) perfect subtree to the smallest, as 'binary'
  // strings (hashing.ts: no Buffer per node).
  private constructor(
    private leafCount: number,
    private readonly subtreeRoots: string[],
  ) {}

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** Restores a range from `toJSON()` output, e.g. read back from a block; throws if malformed. */
  static fromJSON(state: unknown): CompactRange {
    if (typeof state !== 'object' || state === null) throw new TypeError('compact range state must be an object');
    const { size, hashes } = state as Partial<CompactRangeState>;
    if (!isTreeSize(size)) throw new TypeError('compact range size must be a non-negative safe integer');
    if (!Array.isArray(hashes)) throw new TypeError('compact range hashes must be an array');
    if (hashes.length !== countSetBits(size)) {
      throw new TypeError(`a compact range of size ${size} holds ${countSetBits(size)} hashes, got ${hashes.length}`);
    }
    const subtreeRoots = hashes.map((hex, i) => {
      const bytes = typeof hex === 'string' ? decodeHex(hex) : undefined;
      if (bytes?.length !== HASH_SIZE) throw new TypeError(`compact range hash ${i} must be ${HASH_SIZE} bytes of hex`);
      return bytes.toString('latin1');
    });
    return new CompactRange(size, subtreeRoots);
  }

  get size(): number {
    return this.leafCount;
  }

  /** Appends a leaf hash: bytes, or a 'binary' string of them (leafHashBinary). */
  append(leafHash: Uint8Array | string): void {
    let node = typeof leafHash === 'string' ? requireBinaryHash(leafHash) : requireHash(leafHash, 'leaf hash').toString('latin1');
    // Each trailing one bit of the old size is a perfect subtree that the new leaf now completes.
    for (let rest = this.leafCount; rest % 2 === 1; rest = (rest - 1) / 2) {
      node = nodeHashBinary(this.subtreeRoots.pop() as string, node);
    }
    this.subtreeRoots.push(node);
    this.leafCount += 1;
  }

  /**
   * Appends a block of leaf hashes ('binary' strings) and returns MTH of the block's leaves alone, sharing the node
   * hashes the two trees have in common: where the log's size is a multiple of 2^t, each of the block's perfect
   * subtrees of up to 2^t leaves (at block offsets that are multiples of their size) is a subtree of the log too.
   * The block is cut into such subtrees (2^t leaves each, then the binary decomposition of the rest), each hashed
   * once and appended to the log whole; the block's root folds them. About n + n/2^t node hashes for n leaves
   * instead of 2n (blocks of 1,000 leaves start at multiples of 8: 7/8 of the second hash per leaf saved).
   */
  appendBlock(leafHashes: readonly string[]): Buffer {
    const count = leafHashes.length;
    // 2^t: the largest power of two dividing the log's size (every size, for an empty log).
    const aligned = this.leafCount === 0 ? Infinity : lowestSetBit(this.leafCount);
    // The block's root over its chunks of `aligned` leaves, then the rest's subtrees folded into one.
    const chunks = CompactRange.empty();
    const rest: string[] = [];
    for (let at = 0; at < count;) {
      const remaining = count - at;
      const size = Math.min(aligned, largestPowerOfTwoAtMost(remaining));
      const subtree = perfectRoot(leafHashes, at, size);
      this.appendSubtree(subtree, size);
      if (size === aligned) chunks.append(subtree);
      else rest.push(subtree);
      at += size;
    }
    if (rest.length > 0) {
      let folded = rest[rest.length - 1];
      for (let i = rest.length - 2; i >= 0; i -= 1) folded = nodeHashBinary(rest[i], folded);
      chunks.append(folded);
    }
    return chunks.root();
  }

  /** Appends the root of a perfect subtree of `size` (a power of two dividing the log's size) leaves. */
  private appendSubtree(root: string, size: number): void {
    let node = requireBinaryHash(root);
    for (let rest = this.leafCount / size; rest % 2 === 1; rest = (rest - 1) / 2) node = nodeHashBinary(this.subtreeRoots.pop() as string, node);
    this.subtreeRoots.push(node);
    this.leafCount += size;
  }

  /** MTH of all leaves appended so far: the subtree roots folded from the right. */
  root(): Buffer {
    if (this.subtreeRoots.length === 0) return EMPTY_TREE_ROOT;
    let root = this.subtreeRoots[this.subtreeRoots.length - 1];
    for (let i = this.subtreeRoots.length - 2; i >= 0; i--) root = nodeHashBinary(this.subtreeRoots[i], root);
    return Buffer.from(root, 'latin1');
  }

  treeHead(): TreeHead {
    return { size: this.leafCount, rootHash: this.root() };
  }

  toJSON(): CompactRangeState {
    return { size: this.leafCount, hashes: this.subtreeRoots.map((hash) => Buffer.from(hash, 'latin1').toString('hex')) };
  }
}

/** MTH over the given leaf hashes (bytes or 'binary' strings) in O(n) time and O(log n) memory. */
export function rootFromLeafHashes(leafHashes: Iterable<Uint8Array | string>): Buffer {
  const range = CompactRange.empty();
  for (const hash of leafHashes) range.append(hash);
  return range.root();
}

/** The root of the perfect subtree over `leafHashes[from, from + size)`, `size` a power of two: size - 1 node hashes. */
function perfectRoot(leafHashes: readonly string[], from: number, size: number): string {
  const stack: string[] = [];
  for (let i = 0; i < size; i += 1) {
    let node = requireBinaryHash(leafHashes[from + i]);
    for (let rest = i; rest % 2 === 1; rest = (rest - 1) / 2) node = nodeHashBinary(stack.pop() as string, node);
    stack.push(node);
  }
  return stack[0];
}

function largestPowerOfTwoAtMost(n: number): number {
  let power = 1;
  while (power * 2 <= n) power *= 2;
  return power;
}

function lowestSetBit(n: number): number {
  let bit = 1;
  while ((n / bit) % 2 === 0) bit *= 2;
  return bit;
}

function requireBinaryHash(hash: string): string {
  if (hash.length !== HASH_SIZE) throw new RangeError(`leaf hash must be ${HASH_SIZE} bytes, got ${hash.length}`);
  return hash;
}

function countSetBits(n: number): number {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}
