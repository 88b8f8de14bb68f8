// Reads every audited topic from the chain's own Kafka cursor (never the consumer group's offsets),
// turns each message into a leaf and feeds the block cutter; asks for a cut when a block is due, and
// waits (back-pressure) while MAX_BLOCKS_PER_COMMIT blocks' worth of events wait.
import { randomUUID } from 'node:crypto';
import type { Span } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { auditedTopics } from '@medshare/contracts';
import { messageTracingOn, startConsumeSpan, TopicEnds } from '@medshare/messaging';
import { BlockCutter } from '../block/block-cutter';
import type { BlockHeader } from '../block/block-header';
import { leafOf } from '../block/leaf';
import { cursorKey, type OffsetCursor } from '../block/offset-cursor';
import type { PendingLeaf } from '../block/sealed-block';
import { CutTimer } from './cut-timer';

/**
 * Blocks due together are committed in one transaction per replica (group commit: one round of
 * round trips and fsyncs for all of them); reading waits when this many blocks' events are waiting.
 */
export const MAX_BLOCKS_PER_COMMIT = 4;

export interface WaitingLeaf extends PendingLeaf {
  /** Set for a message that failed to parse: it goes to the dead-letter topic once its block commits. */
  deadLetter?: { reason: string; message: KafkaMessage };
  /** Tracing on: the message's consume span, ended when its block commits (`endSpansOfBlock`). */
  span?: Span;
}

/** The span attribute that names the block an event was committed in. */
export const BLOCK_HEIGHT_ATTRIBUTE = 'medshare.ledger.block.height';

export function endSpansOfBlock(height: number, waiting: readonly WaitingLeaf[]): void {
  for (const { span } of waiting) span?.setAttribute(BLOCK_HEIGHT_ATTRIBUTE, height).end();
}

export interface TopicReaderOptions {
  kafka: Kafka;
  groupId: string;
  maxEvents: number;
  maxAgeMs: number;
  /** `earliest` or an ISO instant: where partitions the chain has never read start. */
  startFrom: string;
}

export class AuditedTopicReader {
  readonly cutter: BlockCutter<WaitingLeaf>;
  private consumer?: Consumer;
  private readPositions: Record<string, string> = {};
  private starts: OffsetCursor = {};
  private heartbeat?: () => Promise<void>;
  private cutTimer?: CutTimer;
  /** The audited partitions' log starts, asked on a connection kept for the process (connectOffsets). */
  private readonly offsets: TopicEnds;
  private offsetsConnected?: Promise<void>;

  constructor(private readonly options: TopicReaderOptions) {
    this.cutter = new BlockCutter(options.maxEvents, options.maxAgeMs);
    this.offsets = new TopicEnds(
      options.kafka,
      auditedTopics.map((topic) => topic.name),
    );
  }

  /** Where each partition starts for the chain: a block's offset ranges begin here for partitions it has not read yet. */
  get startPositions(): OffsetCursor {
    return this.starts;
  }

  /** Keeps the group membership alive while a commit waits. */
  async keepAlive(): Promise<void> {
    await this.heartbeat?.();
  }

  /**
   * What a take-over needs from Kafka before it can read, fetched beside the replicas' sync (both on the take-over's
   * critical path): where partitions the chain never read start, and a connected consumer of a group of its own.
   */
  async prepare(): Promise<void> {
    // A group of its own for every term: a standby taking over from a writer that died would otherwise wait
    // for the dead member's session to expire (10 s) before Kafka assigned it anything. The chain's cursor, not
    // the group, says where to read, so a fresh group loses nothing; its commits only show the lag.
    const consumer = this.options.kafka.consumer({
      groupId: `${this.options.groupId}.writer-${randomUUID().slice(0, 8)}`,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 24 * 1024 * 1024,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      // An idle fetch returns within a second, so stepping down or shutting down never waits long for it.
      maxWaitTimeInMs: 1000,
    });
    // Kept before it connects, so a step-down meanwhile (stop()) disconnects it.
    this.consumer = consumer;
    [this.starts] = await Promise.all([this.resolveStartPositions(), consumer.connect()]);
  }

  /**
   * Joins the group (prepare() first) and reads from `cursor` (the chain's, after its last block). `cutIfDue` starts
   * a cut and resolves when it is done; `isCurrent` turns false when the writer steps down.
   */
  async start(cursor: OffsetCursor, cutIfDue: () => Promise<void>, isCurrent: () => boolean): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) throw new Error('the reader was not prepared, or stopped since');
    this.readPositions = { ...this.starts, ...cursor };
    // The chain, not the consumer group, says where to read: seek every assigned partition to it.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) {
          const offset = this.readPositions[cursorKey(topic, partition)];
          if (offset !== undefined) consumer.seek({ topic, partition, offset });
        }
      }
    });
    await consumer.subscribe({ topics: auditedTopics.map((topic) => topic.name), fromBeginning: true });
    const cutTimer = new CutTimer(this.cutter, cutIfDue);
    this.cutTimer = cutTimer;
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload, cutIfDue, cutTimer, isCurrent) });
  }

  /** Offsets are only committed for monitoring (lag): a restart reads the chain's cursor, not these. */
  async commitOffsets(offsets: BlockHeader['offsets']): Promise<void> {
    await this.consumer?.commitOffsets(offsets.map(({ topic, partition, last }) => ({ topic, partition, offset: (BigInt(last) + 1n).toString() })));
  }

  /** Leaves the group and drops what waits for a block (the next writer re-reads it from the chain's cursor). */
  async stop(): Promise<void> {
    this.cutTimer?.stop();
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
    this.cutter.clear();
  }

  /** Connects what a take-over asks first (the log starts): a standby does so at start, off the critical path. */
  async connectOffsets(): Promise<void> {
    this.offsetsConnected ??= this.offsets.connect().catch((error: unknown) => {
      this.offsetsConnected = undefined; // tried again by the next take-over
      throw error;
    });
    await this.offsetsConnected;
  }

  /** Closes what connectOffsets opened (the process ends). */
  async close(): Promise<void> {
    if (this.offsetsConnected) await this.offsets.disconnect().catch(() => undefined);
    this.offsetsConnected = undefined;
  }

  private async resolveStartPositions(): Promise<Record<string, string>> {
    if (this.options.startFrom === 'earliest') {
      // Every audited partition's log start in one ListOffsets per broker, on a connection kept since the start.
      await this.connectOffsets();
      return Object.fromEntries([...(await this.offsets.starts())].map(([key, offset]) => [cursorOf(key), offset.toString()]));
    }
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const at = Date.parse(this.options.startFrom);
      const perTopic = await Promise.all(
        auditedTopics.map(async (topic) =>
          (await admin.fetchTopicOffsetsByTimestamp(topic.name, at)).map(({ partition, offset }) => [cursorKey(topic.name, partition), offset] as const),
        ),
      );
      return Object.fromEntries(perTopic.flat());
    } finally {
      await admin.disconnect();
    }
  }

  private async onBatch(
    { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload,
    cutIfDue: () => Promise<void>,
    cutTimer: CutTimer,
    isCurrent: () => boolean,
  ): Promise<void> {
    this.heartbeat = heartbeat;
    const { topic, partition, messages } = batch;
    const key = cursorKey(topic, partition);
    // Kafka offsets are safe integers in practice; numbers here, strings in the chain.
    const expectedText = this.readPositions[key];
    const expected = expectedText === undefined ? -1 : Number(expectedText);
    const traced = messageTracingOn();
    let last: string | undefined;
    // Stepping down, stopping or a seek can only happen while this loop awaits (a cut's synchronous part seals blocks,
    // nothing more): checked then, not per message (kafkajs' isStale builds a key string per call).
    const goOn = () => isCurrent() && isRunning() && !isStale();
    if (!goOn()) return;
    for (const message of messages) {
      const { offset, value } = message;
      last = offset;
      // Already in the chain (or waiting for a block): a refetch after a seek or rebalance.
      if (Number(offset) < expected) continue;
      const { leaf, deadLetterReason } = leafOf({ topic, partition, offset, value });
      const waiting: WaitingLeaf = { topic, partition, offset, leaf };
      if (deadLetterReason !== undefined) waiting.deadLetter = { reason: deadLetterReason, message };
      if (traced) waiting.span = startConsumeSpan(topic, partition, message, this.options.groupId);
      const now = Date.now();
      this.cutter.add(waiting, now);
      cutTimer.arm();
      // Parsing the next blocks overlaps the replicas writing these; with MAX_BLOCKS_PER_COMMIT blocks waiting, reading waits.
      if (this.cutter.due(now)) {
        this.readPositions[key] = String(Number(offset) + 1);
        const cut = cutIfDue();
        if (this.cutter.size >= MAX_BLOCKS_PER_COMMIT * this.options.maxEvents) {
          await cut;
          if (!goOn()) break;
        }
      }
    }
    if (!isCurrent() || last === undefined) return;
    // Once per batch: every message up to `last` is in the chain or held by the cutter.
    this.readPositions[key] = String(Math.max(expected, Number(last) + 1));
    resolveOffset(last);
    await heartbeat();
  }
}

/** TopicEnds' `topic/partition` as the chain's cursor key (topic names hold no '/'). */
function cursorOf(endsKey: string): string {
  const at = endsKey.lastIndexOf('/');
  return cursorKey(endsKey.slice(0, at), Number(endsKey.slice(at + 1)));
}
