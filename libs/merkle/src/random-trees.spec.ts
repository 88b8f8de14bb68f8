// Trees of many sizes against a reference written straight from the RFC 9162 definitions: every
// generated proof equals the reference and verifies, and any single-bit change makes it fail.
import { createHash } from 'node:crypto';
import { CompactRange, rootFromLeafHashes } from './compact-range';
import { EMPTY_TREE_ROOT, leafHash, nodeHash } from './hashing';
import { MerkleTree } from './merkle-tree';
import { verifyConsistency, type ConsistencyClaim } from './verify-consistency';
import { verifyInclusion, type InclusionClaim } from './verify-inclusion';

/** Deterministic pseudo-random leaf data of varying length, so failures reproduce. */
function leafData(count: number, seed: string): Buffer[] {
  return Array.from({ length: count }, (_, i) => {
    const digest = createHash('sha256').update(`${seed}/${i}`).digest();
    return digest.subarray(0, digest[0] % 33);
  });
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// MTH, PATH and PROOF/SUBPROOF exactly as RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 define them.
function referenceRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_TREE_ROOT;
  if (leaves.length === 1) return leafHash(leaves[0]);
  const k = splitPoint(leaves.length);
  return nodeHash(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

function referencePath(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length === 1) return [];
  const k = splitPoint(leaves.length);
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}

function referenceSubproof(m: number, leaves: readonly Buffer[], b: boolean): Buffer[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [referenceRoot(leaves)];
  const k = splitPoint(n);
  return m <= k
    ? [...referenceSubproof(m, leaves.slice(0, k), b), referenceRoot(leaves.slice(k))]
    : [...referenceSubproof(m - k, leaves.slice(k), false), referenceRoot(leaves.slice(0, k))];
}

const hexes = (hashes: readonly Buffer[]): string[] => hashes.map((hash) => hash.toString('hex'));

function flipBit(hash: Uint8Array, bit: number): Buffer {
  const flipped = Buffer.from(hash);
  flipped[bit >> 3] ^= 0x80 >> (bit & 7);
  return flipped;
}

/** One bit position per element, varied so that every byte gets exercised across the cases. */
const bitFor = (...salt: number[]): number => createHash('sha256').update(salt.join(',')).digest().readUInt8(0);

/** The claim with one bit flipped in the leaf, the root, each proof element, or the leaf index. */
function* oneBitInclusionChanges(claim: InclusionClaim): Generator<[string, InclusionClaim]> {
  const { leafIndex, treeSize, leafHash, proof, rootHash } = claim;
  yield ['leaf hash', { ...claim, leafHash: flipBit(leafHash, bitFor(treeSize, leafIndex, -1)) }];
  yield ['root hash', { ...claim, rootHash: flipBit(rootHash, bitFor(treeSize, leafIndex, -2)) }];
  for (const [i, element] of proof.entries()) {
    const changed = flipBit(element, bitFor(treeSize, leafIndex, i));
    yield [`proof[${i}]`, { ...claim, proof: proof.map((p, j) => (j === i ? changed : p)) }];
  }
  for (let bit = 0; 2 ** bit <= 2 * treeSize; bit++) {
    yield [`leaf index bit ${bit}`, { ...claim, leafIndex: leafIndex ^ (2 ** bit) }];
  }
}

/**
 * The claim with one bit flipped in either root, each proof element, or size1. size2 is left
 * alone: trees whose right edges have the same shape (5 and 7 leaves, say) share proof shapes, so
 * a proof does not pin size2 by itself; the signed checkpoint does.
 */
function* oneBitConsistencyChanges(claim: ConsistencyClaim): Generator<[string, ConsistencyClaim]> {
  const { size1, size2, root1, root2, proof } = claim;
  yield ['root1', { ...claim, root1: flipBit(root1, bitFor(size1, size2, -1)) }];
  // The empty tree is consistent with every tree, so at size1 = 0 nothing binds root2.
  if (size1 > 0) yield ['root2', { ...claim, root2: flipBit(root2, bitFor(size1, size2, -2)) }];
  for (const [i, element] of proof.entries()) {
    const changed = flipBit(element, bitFor(size1, size2, i));
    yield [`proof[${i}]`, { ...claim, proof: proof.map((p, j) => (j === i ? changed : p)) }];
  }
  for (let bit = 0; 2 ** bit <= 2 * size2; bit++) {
    yield [`size1 bit ${bit}`, { ...claim, size1: size1 ^ (2 ** bit) }];
  }
}

const SMALL_SIZES = Array.from({ length: 70 }, (_, i) => i + 1);
const LEAVES = leafData(70, 'small');
const LEAF_HASHES = LEAVES.map(leafHash);
const TREE = new MerkleTree(LEAF_HASHES);

describe.each(SMALL_SIZES)('a tree of %i leaves', (size) => {
  const leaves = LEAVES.slice(0, size);
  const rootHash = referenceRoot(leaves);

  it('has the reference root, batch, in memory and incrementally', () => {
    expect(rootFromLeafHashes(LEAF_HASHES.slice(0, size)).equals(rootHash)).toBe(true);
    expect(TREE.root(size).equals(rootHash)).toBe(true);
    expect(new MerkleTree(LEAF_HASHES.slice(0, size)).root().equals(rootHash)).toBe(true);
  });

  it('proves every leaf with the reference path, and any one-bit change fails', () => {
    for (let leafIndex = 0; leafIndex < size; leafIndex++) {
      const proof = TREE.inclusionProof(leafIndex, size);
      expect(hexes(proof)).toEqual(hexes(referencePath(leafIndex, leaves)));
      const claim: InclusionClaim = { leafIndex, treeSize: size, leafHash: LEAF_HASHES[leafIndex], proof, rootHash };
      expect(verifyInclusion(claim)).toEqual({ ok: true });
      const accepted = [...oneBitInclusionChanges(claim)].filter(([, changed]) => verifyInclusion(changed).ok);
      expect(accepted.map(([change]) => change)).toEqual([]);
    }
  });

  it('proves consistency with every smaller size by the reference proof, and any one-bit change fails', () => {
    for (let size1 = 0; size1 <= size; size1++) {
      const proof = TREE.consistencyProof(size1, size);
      const expected = size1 === 0 || size1 === size ? [] : referenceSubproof(size1, leaves, true);
      expect(hexes(proof)).toEqual(hexes(expected));
      const claim: ConsistencyClaim = { size1, size2: size, root1: referenceRoot(leaves.slice(0, size1)), root2: rootHash, proof };
      expect(verifyConsistency(claim)).toEqual({ ok: true });
      const accepted = [...oneBitConsistencyChanges(claim)].filter(([, changed]) => verifyConsistency(changed).ok);
      expect(accepted.map(([change]) => change)).toEqual([]);
    }
  });
});

describe('an incremental compact range', () => {
  it('equals the reference root at every size, and resumes from its serialised state', () => {
    const leaves = leafData(300, 'incremental');
    let range = CompactRange.empty();
    leaves.forEach((leaf, i) => {
      range.append(leafHash(leaf));
      expect(range.size).toBe(i + 1);
      expect(range.root().equals(referenceRoot(leaves.slice(0, i + 1)))).toBe(true);
      // A restart: persist the state as JSON text, read it back and carry on from there.
      range = CompactRange.fromJSON(JSON.parse(JSON.stringify(range)));
    });
  });
});

describe('large trees', () => {
  it.each([1023, 1024, 1025, 4097, 100_000])('of %i leaves prove sampled leaves and earlier sizes', (size) => {
    const leafHashes = leafData(size, `large-${size}`).map(leafHash);
    const tree = new MerkleTree(leafHashes);
    const rootHash = rootFromLeafHashes(leafHashes);
    expect(tree.root().equals(rootHash)).toBe(true);
    for (const leafIndex of [0, 1, Math.floor(size / 2), size - 2, size - 1]) {
      const proof = tree.inclusionProof(leafIndex);
      expect(verifyInclusion({ leafIndex, treeSize: size, leafHash: leafHashes[leafIndex], proof, rootHash })).toEqual({ ok: true });
    }
    for (const size1 of [1, 2, 3, size - 1000, size - 1]) {
      const proof = tree.consistencyProof(size1);
      expect(verifyConsistency({ size1, size2: size, root1: tree.root(size1), root2: rootHash, proof })).toEqual({ ok: true });
    }
  });
});
