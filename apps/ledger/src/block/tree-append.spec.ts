import { CompactRange, leafHash, rootFromLeafHashes } from '@medshare/merkle';
import { appendBlockLeaves } from './tree-append';

const leaves = (from: number, count: number) => Array.from({ length: count }, (_, i) => leafHash(Buffer.from(`event ${from + i}`)));

describe('appendBlockLeaves', () => {
  it.each<[string, number, number]>([
    ['the first block of an empty log', 0, 5],
    ['a block after a perfect tree', 8, 3],
    ['a block after an odd-sized log', 13, 17],
    ['a one-leaf block', 6, 1],
    ['an empty block on an empty log (both roots are the empty tree)', 0, 0],
  ])('agrees with libs/merkle for %s', (_case, logSize, blockSize) => {
    const reference = CompactRange.empty();
    for (const hash of leaves(0, logSize)) reference.append(hash);
    const blockLeaves = leaves(logSize, blockSize);
    const result = appendBlockLeaves(reference.toJSON(), blockLeaves);
    for (const hash of blockLeaves) reference.append(hash);
    expect(result.blockRoot).toEqual(rootFromLeafHashes(blockLeaves));
    expect(result.treeState).toEqual(reference.toJSON());
    expect({ size: result.treeSize, root: result.treeRoot }).toEqual({ size: reference.size, root: reference.root() });
  });
});
