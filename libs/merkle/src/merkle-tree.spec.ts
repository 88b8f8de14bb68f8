// Argument checks of proof generation; the proofs themselves are checked in ct-vectors and random-trees.
import { leafHash } from './hashing';
import { consistencyProof, inclusionProof, MerkleTree } from './merkle-tree';

const hashes = Array.from({ length: 6 }, (_, i) => leafHash(Buffer.from([i])));
const tree = new MerkleTree(hashes);

describe('MerkleTree', () => {
  it('grows by append to the same tree as built at once', () => {
    const grown = new MerkleTree();
    hashes.forEach((hash) => grown.append(hash));
    expect(grown.size).toBe(6);
    expect(grown.root().equals(tree.root())).toBe(true);
    expect(grown.inclusionProof(3)).toEqual(tree.inclusionProof(3));
  });

  it('returns the leaf hashes it holds', () => {
    expect(tree.leafHash(4).equals(hashes[4])).toBe(true);
  });

  it.each([
    ['a root beyond the leaves held', () => tree.root(7)],
    ['a leaf index at the tree size', () => tree.inclusionProof(6)],
    ['a leaf index beyond an earlier tree size', () => tree.inclusionProof(3, 3)],
    ['a negative leaf index', () => tree.inclusionProof(-1)],
    ['a fractional leaf index', () => tree.inclusionProof(1.5)],
    ['an inclusion proof in the empty tree', () => new MerkleTree().inclusionProof(0)],
    ['a first size above the second', () => tree.consistencyProof(5, 4)],
    ['a second size beyond the leaves held', () => tree.consistencyProof(2, 7)],
    ['a missing leaf', () => tree.leafHash(6)],
    ['a leaf hash of the wrong length', () => new MerkleTree([Buffer.alloc(20)])],
    ['a one-shot proof beyond the hashes given', () => inclusionProof(hashes, 0, 7)],
    ['a one-shot consistency proof beyond the hashes given', () => consistencyProof(hashes, 1, 7)],
  ])('refuses %s', (_case, call) => {
    expect(call).toThrow(RangeError);
  });

  it.each([
    [0, 6],
    [6, 6],
    [0, 0],
  ])('has nothing to prove between sizes %i and %i', (size1, size2) => {
    expect(tree.consistencyProof(size1, size2)).toEqual([]);
  });
});
