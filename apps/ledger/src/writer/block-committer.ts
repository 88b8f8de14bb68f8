// Turns what the cutter holds into committed blocks: every block already due (each at most
// BLOCK_MAX_EVENTS) is sealed onto the committed head, the group committed on a quorum in one
// transaction per replica, and each block handed to the announcer.
import { EMPTY_CHAIN, headOf, sealBlock, type ChainHead, type LedgerSigner, type SealedBlock } from '../block/sealed-block';
import { ledgerMetrics } from '../ledger-metrics';
import type { ChainReplica } from '../replica/replica-set';
import type { BlockAnnouncer } from './block-announcer';
import type { QuorumCommit } from './quorum-commit';
import type { ReplicaSync } from './replica-sync';
import { endSpansOfBlock, MAX_BLOCKS_PER_COMMIT, type AuditedTopicReader, type WaitingLeaf } from './topic-reader';

export class BlockCommitter<R extends ChainReplica> {
  constructor(
    private readonly parts: { reader: AuditedTopicReader; sync: ReplicaSync<R>; quorum: QuorumCommit<R>; announcer: BlockAnnouncer },
    private readonly signer: LedgerSigner,
  ) {}

  /** Commits due blocks (or, with `everything`, all that waits) while `isCurrent`. */
  async cutAndCommit(everything: boolean, isCurrent: () => boolean): Promise<void> {
    const { reader, sync, quorum, announcer } = this.parts;
    const { cutter } = reader;
    const more = () => (everything ? cutter.size > 0 : cutter.due(Date.now()));
    while (isCurrent() && more()) {
      const cutAt = process.hrtime.bigint();
      const group: { block: SealedBlock; waiting: WaitingLeaf[] }[] = [];
      let head: ChainHead = sync.committed ? headOf(sync.committed) : EMPTY_CHAIN;
      do {
        const waiting = cutter.cut();
        const block = sealBlock(head, waiting, { positions: { ...reader.startPositions, ...head.cursor }, time: new Date(), signer: this.signer });
        group.push({ block, waiting });
        head = headOf(block);
      } while (group.length < MAX_BLOCKS_PER_COMMIT && more());
      await quorum.commit(
        group.map(({ block }) => block),
        isCurrent,
        () => reader.keepAlive(),
      );
      const seconds = Number(process.hrtime.bigint() - cutAt) / 1e9;
      for (const { block, waiting } of group) {
        ledgerMetrics.blockCommitSeconds.observe(seconds);
        ledgerMetrics.blocksCommitted.inc();
        ledgerMetrics.eventsCommitted.inc(block.events.length);
        ledgerMetrics.headHeight.set(block.header.height);
        endSpansOfBlock(block.header.height, waiting);
        announcer.announce(block, waiting, (offsets) => reader.commitOffsets(offsets));
      }
    }
  }
}
