// The RFC 9162 recursions (MTH §2.1.1, PATH §2.1.3.1, SUBPROOF §2.1.4.1) over any store of perfect-subtree
// hashes: an in-memory tree (MerkleTree) or hash tiles read from disk (tiles.ts). Every range the recursions visit
// splits into O(log n) perfect subtrees, so a root or a proof costs O(log² n) hashes over O(log n) stored nodes.
import { EMPTY_TREE_ROOT, HASH_SIZE, nodeHash } from './hashing';
import { isPowerOfTwo, largestPowerOfTwoBelow, levelOf, requireTreeSize } from './tree-size';

/** A perfect subtree: 2^level leaves starting at leaf index·2^level. */
export interface NodeId {
  level: number;
  index: number;
}

/** Where the hashes of perfect subtrees come from; asked only for subtrees inside the view's size. */
export interface NodeReader {
  node(level: number, index: number): Buffer;
}

export class TreeView {
  constructor(
    private readonly nodes: NodeReader,
    /** How many leaves the reader covers: the largest tree size this view answers for. */
    readonly size: number,
  ) {}

  leafHash(leafIndex: number): Buffer {
    requireTreeSize(leafIndex, 'leaf index');
    if (leafIndex >= this.size) throw new RangeError(`leaf index ${leafIndex} is not below tree size ${this.size}`);
    return this.nodes.node(0, leafIndex);
  }

  /** MTH(D[0:treeSize]). */
  root(treeSize: number = this.size): Buffer {
    this.requireSize(treeSize, 'tree size');
    return this.subtreeHash(0, treeSize);
  }

  /** PATH(leafIndex, D[0:treeSize]), ordered from the leaf's sibling up to the root's child. */
  inclusionProof(leafIndex: number, treeSize: number = this.size): Buffer[] {
    this.requireSize(treeSize, 'tree size');
    requireTreeSize(leafIndex, 'leaf index');
    if (leafIndex >= treeSize) throw new RangeError(`leaf index ${leafIndex} is not below tree size ${treeSize}`);
    return this.path(leafIndex, 0, treeSize);
  }

  /** PROOF(size1, D[0:size2]); empty when size1 is 0 or equals size2, as there is nothing to prove. */
  consistencyProof(size1: number, size2: number = this.size): Buffer[] {
    this.requireSize(size2, 'second tree size');
    requireTreeSize(size1, 'first tree size');
    if (size1 > size2) throw new RangeError(`first tree size ${size1} exceeds second tree size ${size2}`);
    if (size1 === 0 || size1 === size2) return [];
    return this.subproof(size1, 0, size2, true);
  }

  /** MTH(D[start:end]). */
  private subtreeHash(start: number, end: number): Buffer {
    const n = end - start;
    if (n === 0) return EMPTY_TREE_ROOT;
    if (isPowerOfTwo(n) && start % n === 0) return this.nodes.node(levelOf(n), start / n);
    const k = largestPowerOfTwoBelow(n);
    return nodeHash(this.subtreeHash(start, start + k), this.subtreeHash(start + k, end));
  }

  /** PATH(m, D[start:end]) of RFC 9162 §2.1.3.1. */
  private path(m: number, start: number, end: number): Buffer[] {
    const n = end - start;
    if (n === 1) return [];
    const k = largestPowerOfTwoBelow(n);
    return m < k
      ? [...this.path(m, start, start + k), this.subtreeHash(start + k, end)]
      : [...this.path(m - k, start + k, end), this.subtreeHash(start, start + k)];
  }

  /**
   * SUBPROOF(m, D[start:end], b) of RFC 9162 §2.1.4.1. `rootKnownToVerifier` is the RFC's b: while
   * the recursion still stands on the old tree's own root, the verifier has that hash already, so
   * it is left out of the proof.
   */
  private subproof(m: number, start: number, end: number, rootKnownToVerifier: boolean): Buffer[] {
    const n = end - start;
    if (m === n) return rootKnownToVerifier ? [] : [this.subtreeHash(start, end)];
    const k = largestPowerOfTwoBelow(n);
    return m <= k
      ? [...this.subproof(m, start, start + k, rootKnownToVerifier), this.subtreeHash(start + k, end)]
      : [...this.subproof(m - k, start + k, end, false), this.subtreeHash(start, start + k)];
  }

  private requireSize(treeSize: number, what: string): void {
    requireTreeSize(treeSize, what);
    if (treeSize > this.size) throw new RangeError(`${what} ${treeSize} exceeds the ${this.size} leaves held`);
  }
}

/**
 * The perfect subtrees `query` reads from a view of `size` leaves, found by running it once over stand-in
 * hashes (the recursions' shape depends on sizes and indexes only): what to fetch before running it for real.
 */
export function nodesRead(size: number, query: (view: TreeView) => void): NodeId[] {
  const seen = new Map<string, NodeId>();
  const standIn = Buffer.alloc(HASH_SIZE);
  query(
    new TreeView(
      {
        node(level, index) {
          seen.set(`${level}/${index}`, { level, index });
          return standIn;
        },
      },
      size,
    ),
  );
  return [...seen.values()];
}
