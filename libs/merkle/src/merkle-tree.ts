// An in-memory RFC 9162 tree over leaf hashes that answers roots, inclusion proofs (§2.1.3.1) and
// consistency proofs (§2.1.4.1) for any size up to its current one.
import { EMPTY_TREE_ROOT, nodeHash, requireHash } from './hashing';
import { isPowerOfTwo, largestPowerOfTwoBelow, levelOf, requireTreeSize } from './tree-size';

export class MerkleTree {
  // levels[h][i] is the hash of the perfect subtree of 2^h leaves starting at leaf i·2^h. Every
  // range the RFC recursions visit splits into O(log n) of these, so after the O(n) build a root or
  // a proof costs O(log² n) hashes instead of rehashing the whole tree.
  private readonly levels: Buffer[][] = [[]];

  constructor(leafHashes: Iterable<Uint8Array> = []) {
    for (const hash of leafHashes) this.append(hash);
  }

  get size(): number {
    return this.levels[0].length;
  }

  /** Adds one leaf hash in amortised O(1) hashes. */
  append(leafHash: Uint8Array): void {
    let node = requireHash(leafHash, 'leaf hash');
    this.levels[0].push(node);
    for (let level = 0; this.levels[level].length % 2 === 0; level++) {
      const row = this.levels[level];
      node = nodeHash(row[row.length - 2], node);
      (this.levels[level + 1] ??= []).push(node);
    }
  }

  leafHash(leafIndex: number): Buffer {
    requireTreeSize(leafIndex, 'leaf index');
    if (leafIndex >= this.size) throw new RangeError(`leaf index ${leafIndex} is not below tree size ${this.size}`);
    return this.levels[0][leafIndex];
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
    if (leafIndex >= treeSize) {
      throw new RangeError(`leaf index ${leafIndex} is not below tree size ${treeSize}`);
    }
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
    if (isPowerOfTwo(n) && start % n === 0) return this.levels[levelOf(n)][start / n];
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

/** Inclusion proof for one leaf of the tree made of the first `treeSize` leaf hashes; O(n). */
export function inclusionProof(leafHashes: readonly Uint8Array[], leafIndex: number, treeSize: number = leafHashes.length): Buffer[] {
  return new MerkleTree(prefix(leafHashes, treeSize)).inclusionProof(leafIndex);
}

/** Consistency proof between the trees of the first `size1` and `size2` leaf hashes; O(n). */
export function consistencyProof(leafHashes: readonly Uint8Array[], size1: number, size2: number = leafHashes.length): Buffer[] {
  return new MerkleTree(prefix(leafHashes, size2)).consistencyProof(size1);
}

function prefix(leafHashes: readonly Uint8Array[], treeSize: number): readonly Uint8Array[] {
  requireTreeSize(treeSize, 'tree size');
  if (treeSize > leafHashes.length) {
    throw new RangeError(`tree size ${treeSize} exceeds the ${leafHashes.length} leaf hashes given`);
  }
  return leafHashes.slice(0, treeSize);
}
