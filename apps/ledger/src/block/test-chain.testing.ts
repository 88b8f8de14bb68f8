// Chains for the ledger's tests: signed blocks of KEK-rotation events on one partition, offsets and tree sizes
// continuing from `head`, so a test names only how many events each block holds.
import type { KeyObject } from 'node:crypto';
import { envelope } from '@medshare/contracts';
import { leafOf } from './leaf';
import { EMPTY_CHAIN, headOf, sealBlock, type ChainHead, type SealedBlock } from './sealed-block';

const topic = 'medshare.keys.v1';

/** Like test/support's kekRotated (this file may not reach outside its project). */
const kekRotated = (kekVersion: number) => envelope('keys.kek-rotated.v1', 'encryption', { kekVersion, rewrappedDeks: 0, retiredVersions: [] });

export function testBlocks(
  sizes: readonly number[],
  privateKey: KeyObject,
  { head = EMPTY_CHAIN, time = new Date() }: { head?: ChainHead; time?: Date } = {},
): SealedBlock[] {
  return sizes.map((size) => {
    const first = head.treeState.size;
    const pending = Array.from({ length: size }, (_, j) => {
      const position = { topic, partition: 0, offset: String(first + j) };
      return { ...position, leaf: leafOf({ ...position, value: Buffer.from(JSON.stringify(kekRotated(first + j + 1))) }).leaf };
    });
    const block = sealBlock(head, pending, { positions: head.cursor, time, signer: { privateKey, origin: 'test.example/ledger' } });
    head = headOf(block);
    return block;
  });
}
