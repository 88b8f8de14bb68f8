// Reads blocks from a replica for copying to another, verifying each one first: a replica is only
// ever caught up or repaired from data that checks out (see ChainVerifier).
import type { KeyObject } from 'node:crypto';
import { blockHeader } from '@medshare/contracts';
import { checkedEvent, CompactRange } from '@medshare/merkle';
import type { SealedBlock } from '../block/sealed-block';
import { ChainVerifier, type StoredBlock } from '../verification/chain-verifier';
import type { ChainReplica } from './replica-set';

export class UnverifiedSourceError extends Error {}

/** Blocks `fromHeight..toHeight` of `source`, each verified against the chain up to it; throws if one fails. */
export async function readVerifiedBlocks(
  source: Pick<ChainReplica, 'name' | 'storedBlocks' | 'events'>,
  fromHeight: number,
  toHeight: number,
  publicKey: KeyObject,
): Promise<SealedBlock[]> {
  const previous = fromHeight > 0 ? (await source.storedBlocks(fromHeight - 1, fromHeight - 1))[0] : undefined;
  if (fromHeight > 0 && previous === undefined) throw new UnverifiedSourceError(`${source.name} lacks block ${fromHeight - 1}`);
  const verifier = ChainVerifier.after(previous, publicKey);
  const [stored, events] = await Promise.all([source.storedBlocks(fromHeight, toHeight), source.events(fromHeight, toHeight)]);
  if (stored.length !== toHeight - fromHeight + 1) throw new UnverifiedSourceError(`${source.name} lacks blocks in ${fromHeight}..${toHeight}`);
  const byHeight = new Map<number, SealedBlock['events']>();
  for (const event of events) {
    const group = byHeight.get(event.height);
    if (group) group.push(event);
    else byHeight.set(event.height, [event]);
  }
  return stored.map((block) => {
    const blockEvents = byHeight.get(block.height) ?? [];
    const findings = verifier.check(block, blockEvents.map(checkedEvent));
    if (findings.length > 0) {
      const [first] = findings;
      throw new UnverifiedSourceError(`${source.name} height ${first.height} ${first.row}: ${first.problem}`);
    }
    return sealedOf(block, blockEvents);
  });
}

function sealedOf(block: StoredBlock, events: SealedBlock['events']): SealedBlock {
  return {
    header: blockHeader.parse(block.header),
    blockHash: block.blockHash,
    signature: block.signature,
    checkpoint: block.checkpoint,
    treeState: CompactRange.fromJSON(block.treeState).toJSON(),
    cursor: block.cursor,
    events,
  };
}
