// What follows a commit, in block order and off the commit path: Kafka offsets (for lag monitoring),
// the signed header on the blocks topic, and the dead letters of the block's unparseable messages.
import { deadLetterTopic, envelope, topics } from '@medshare/contracts';
import { deadLetterMessage, type EventPublisher } from '@medshare/messaging';
import type { Logger } from '@medshare/service-kit';
import type { BlockHeader } from '../block/block-header';
import { cursorKey } from '../block/offset-cursor';
import type { BlockRecord } from '../block/sealed-block';
import { ledgerMetrics } from '../ledger-metrics';
import { SerialQueue } from './serial-queue';
import type { WaitingLeaf } from './topic-reader';
import { messageOf } from './writer-health';

/** A committed block waiting for its announcement. */
interface Announcement {
  block: BlockRecord;
  waiting: readonly WaitingLeaf[];
  commitOffsets: (offsets: BlockHeader['offsets']) => Promise<void>;
}

export class BlockAnnouncer {
  private readonly queue = new SerialQueue();
  // Committed blocks not announced yet: the next run of the queue announces all of them at once (a group commit's
  // blocks, or those committed while the previous announcement was on its way), not one Kafka round trip each.
  private pending: Announcement[] = [];

  constructor(
    private readonly publisher: Pick<EventPublisher, 'publish' | 'publishRaw'>,
    private readonly logger: Logger,
    private readonly groupId: string,
  ) {}

  /** Queues the announcements of a committed block; `commitOffsets` tells Kafka how far the chain read. */
  announce(block: BlockRecord, waiting: readonly WaitingLeaf[], commitOffsets: (offsets: BlockHeader['offsets']) => Promise<void>): void {
    this.pending.push({ block, waiting, commitOffsets });
    void this.queue.run(async () => {
      const due = this.pending;
      // An earlier run already took this block along.
      if (due.length === 0) return;
      this.pending = [];
      // The signed heads first, in height order in one produce request: they are what readers wait for; the offsets
      // only show the lag, so one commit of where the last block left each partition does.
      await this.publishHeaders(due.map(({ block: each }) => each));
      const offsets = new Map(due.flatMap(({ block: each }) => each.header.offsets.map((range) => [cursorKey(range.topic, range.partition), range] as const)));
      await due[due.length - 1]
        .commitOffsets([...offsets.values()])
        .catch((error: unknown) => this.logger.warn({ error: messageOf(error) }, 'Kafka offset commit failed'));
      const deadLetters = due.flatMap(({ waiting: each }) => each.filter((item) => item.deadLetter !== undefined));
      if (deadLetters.length > 0) await this.deadLetter(deadLetters);
    });
  }

  /** Publishes a block's signed header; witnesses dedupe by height, so publishing one twice is harmless. */
  async publishHeader(block: BlockRecord): Promise<void> {
    await this.publishHeaders([block]);
  }

  private async publishHeaders(blocks: readonly BlockRecord[]): Promise<void> {
    const events = blocks.map(({ header, blockHash, signature, checkpoint }) =>
      envelope('ledger.block-committed.v1', 'ledger', { header, blockHash, signature, checkpoint }),
    );
    try {
      await this.publisher.publish(topics.ledgerBlocks, events);
    } catch (error) {
      this.logger.error({ heights: blocks.map(({ header }) => header.height), error: messageOf(error) }, 'publishing block headers failed');
    }
  }

  /** Resolves when everything announced so far went out (or failed to). */
  drain(): Promise<void> {
    return this.queue.run(async () => undefined);
  }

  private async deadLetter(items: readonly WaitingLeaf[]): Promise<void> {
    const messages = items.map(({ topic, partition, deadLetter }) => {
      const { reason, message } = deadLetter as NonNullable<WaitingLeaf['deadLetter']>;
      return deadLetterMessage(this.groupId, { message, topic, partition, reason });
    });
    try {
      await this.publisher.publishRaw(deadLetterTopic, messages);
      for (const item of items) ledgerMetrics.deadLettered.inc({ topic: item.topic });
      this.logger.warn({ count: items.length }, 'unparseable audited messages recorded as marker leaves and dead-lettered');
    } catch (error) {
      this.logger.error({ count: items.length, error: messageOf(error) }, 'dead-lettering failed (the ledger recorded the messages)');
    }
  }
}
