// What follows a commit, in block order and off the commit path: Kafka offsets (for lag monitoring),
// the signed header on the blocks topic, and the dead letters of the block's unparseable messages.
import { deadLetterTopic, envelope, topics } from '@medshare/contracts';
import { deadLetterMessage, type EventPublisher } from '@medshare/messaging';
import type { Logger } from '@medshare/service-kit';
import type { BlockHeader } from '../block/block-header';
import type { BlockRecord } from '../block/sealed-block';
import { ledgerMetrics } from '../ledger-metrics';
import { SerialQueue } from './serial-queue';
import type { WaitingLeaf } from './topic-reader';
import { messageOf } from './writer-health';

export class BlockAnnouncer {
  private readonly queue = new SerialQueue();

  constructor(
    private readonly publisher: Pick<EventPublisher, 'publish' | 'publishRaw'>,
    private readonly logger: Logger,
    private readonly groupId: string,
  ) {}

  /** Queues the announcements of a committed block; `commitOffsets` tells Kafka how far the chain read. */
  announce(block: BlockRecord, waiting: readonly WaitingLeaf[], commitOffsets: (offsets: BlockHeader['offsets']) => Promise<void>): void {
    void this.queue.run(async () => {
      // The signed head first: it is what readers wait for; the offsets only show the lag.
      await this.publishHeader(block);
      await commitOffsets(block.header.offsets).catch((error: unknown) => this.logger.warn({ error: messageOf(error) }, 'Kafka offset commit failed'));
      const deadLetters = waiting.filter((item) => item.deadLetter !== undefined);
      if (deadLetters.length > 0) await this.deadLetter(deadLetters);
    });
  }

  /** Publishes a block's signed header; witnesses dedupe by height, so publishing one twice is harmless. */
  async publishHeader(block: BlockRecord): Promise<void> {
    const { header, blockHash, signature, checkpoint } = block;
    try {
      await this.publisher.publish(topics.ledgerBlocks, [envelope('ledger.block-committed.v1', 'ledger', { header, blockHash, signature, checkpoint })]);
    } catch (error) {
      this.logger.error({ height: header.height, error: messageOf(error) }, 'publishing the block header failed');
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
