// An in-memory RFC 9162 tree over leaf hashes that answers roots, inclusion proofs (§2.1.3.1) and
// consistency proofs (§2.1.4.1) for any size up to its current one.
import { nodeHash, requireHash } from './hashing';
import { requireTreeSize } from './tree-size';
import { TreeView, type NodeReader } from './tree-view';

export class MerkleTree implements NodeReader {
  // levels[h][i] is the hash of the perfect subtree of 2^h leaves starting at leaf i·2^h: every node
  // TreeView's recursions ask for, so after the O(n) build a root or a proof costs O(log² n) hashes.
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

  node(level: number, index: number): Buffer {
    return this.levels[level][index];
  }

  leafHash(leafIndex: number): Buffer {
    return this.view().leafHash(leafIndex);
  }

  /** MTH(D[0:treeSize]). */
  root(treeSize: number = this.size): Buffer {
    return this.view().root(treeSize);
  }

  /** PATH(leafIndex, D[0:treeSize]), ordered from the leaf's sibling up to the root's child. */
  inclusionProof(leafIndex: number, treeSize: number = this.size): Buffer[] {
    return this.view().inclusionProof(leafIndex, treeSize);
  }

  /** PROOF(size1, D[0:size2]); empty when size1 is 0 or equals size2, as there is nothing to prove. */
  consistencyProof(size1: number, size2: number = this.size): Buffer[] {
    return this.view().consistencyProof(size1, size2);
  }

  private view(): TreeView {
    return new TreeView(this, this.size);
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
