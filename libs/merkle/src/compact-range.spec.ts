// The incremental tree state the ledger persists in each block and resumes from after a restart.
import { CompactRange, rootFromLeafHashes } from './compact-range';
import { leafHash, leafHashBinary, nodeHash, nodeHashBinary } from './hashing';
import { MerkleTree } from './merkle-tree';

const hashes = Array.from({ length: 13 }, (_, i) => leafHash(Buffer.from([i])));

function rangeOf(count: number): CompactRange {
  const range = CompactRange.empty();
  hashes.slice(0, count).forEach((hash) => range.append(hash));
  return range;
}

describe('CompactRange', () => {
  it('keeps one subtree root per set bit of its size, largest first', () => {
    const state = rangeOf(13).toJSON();
    expect(state.size).toBe(13);
    // 13 = 8 + 4 + 1: the roots of leaves [0, 8), [8, 12) and [12, 13).
    const tree = new MerkleTree(hashes);
    expect(state.hashes).toEqual([tree.root(8), new MerkleTree(hashes.slice(8, 12)).root(), hashes[12]].map((h) => h.toString('hex')));
  });

  it('gives its size and root together as a tree head', () => {
    const range = rangeOf(5);
    expect(range.treeHead()).toEqual({ size: 5, rootHash: new MerkleTree(hashes.slice(0, 5)).root() });
  });

  it('resumes from a saved state exactly where it stopped', () => {
    const resumed = CompactRange.fromJSON(JSON.parse(JSON.stringify(rangeOf(6))));
    hashes.slice(6).forEach((hash) => resumed.append(hash));
    expect(resumed.toJSON()).toEqual(rangeOf(13).toJSON());
  });

  const valid = rangeOf(5).toJSON();
  it.each([
    ['not an object', 'size=5'],
    ['null', null],
    ['a negative size', { ...valid, size: -1 }],
    ['a fractional size', { ...valid, size: 4.5 }],
    ['a size beyond 2^53', { ...valid, size: 2 ** 53 }],
    ['hashes that are not an array', { ...valid, hashes: valid.hashes.join(',') }],
    ['too few hashes for the size', { ...valid, hashes: valid.hashes.slice(1) }],
    ['too many hashes for the size', { ...valid, size: 4 }],
    ['a hash that is not hex', { ...valid, hashes: [valid.hashes[0], 'zz'.repeat(32)] }],
    ['a hash of the wrong length', { ...valid, hashes: [valid.hashes[0], 'ab'.repeat(31)] }],
    ['a hash that is not a string', { ...valid, hashes: [valid.hashes[0], 7] }],
  ])('refuses to restore a state with %s', (_case, state) => {
    expect(() => CompactRange.fromJSON(state)).toThrow(TypeError);
  });

  it('refuses leaf hashes that are not 32 bytes', () => {
    expect(() => CompactRange.empty().append(Buffer.alloc(31))).toThrow(RangeError);
    expect(() => CompactRange.empty().append('x'.repeat(31))).toThrow(RangeError);
  });

  it("gives the same state and roots for leaf hashes as 'binary' strings (leafHashBinary) as for the bytes", () => {
    const leaves = Array.from({ length: 37 }, (_, i) => Buffer.from(`leaf ${i}`));
    const asStrings = CompactRange.empty();
    leaves.forEach((leaf) => asStrings.append(leafHashBinary(leaf)));
    const asBytes = CompactRange.empty();
    leaves.forEach((leaf) => asBytes.append(leafHash(leaf)));
    expect(asStrings.toJSON()).toEqual(asBytes.toJSON());
    expect(asStrings.root()).toEqual(new MerkleTree(leaves.map(leafHash)).root());
    expect(rootFromLeafHashes(leaves.map(leafHashBinary))).toEqual(asStrings.root());
    expect(Buffer.from(nodeHashBinary(leafHashBinary(leaves[0]), leafHashBinary(leaves[1])), 'binary')).toEqual(
      nodeHash(leafHash(leaves[0]), leafHash(leaves[1])),
    );
  });

  // Every block size 0..40 after every log size 0..40 (all alignments), and large blocks at aligned starts.
  it('appends a block with the same state and root as leaf by leaf, and returns the root of the block alone', () => {
    const leaves = Array.from({ length: 1200 }, (_, i) => leafHashBinary(Buffer.from(`leaf ${i}`)));
    const cases = [...Array.from({ length: 41 * 41 }, (_, i) => [Math.floor(i / 41), i % 41]), [0, 1000], [8, 1000], [1000, 200], [512, 688], [3, 1000]];
    for (const [before, count] of cases) {
      const block = leaves.slice(before, before + count);
      const byLeaf = CompactRange.empty();
      leaves.slice(0, before + count).forEach((leaf) => byLeaf.append(leaf));
      const byBlock = CompactRange.empty();
      leaves.slice(0, before).forEach((leaf) => byBlock.append(leaf));
      const blockRoot = byBlock.appendBlock(block);
      expect({ before, count, blockRoot: blockRoot.toString('hex'), state: byBlock.toJSON() }).toEqual({
        before,
        count,
        blockRoot: new MerkleTree(block.map((leaf) => Buffer.from(leaf, 'latin1'))).root().toString('hex'),
        state: byLeaf.toJSON(),
      });
    }
  });
});
