// The single active writer of the chain: holds the writer lock on a majority of replicas (a standby
// instance cannot get one), reads every audited topic from the chain's own Kafka cursor, cuts and seals
// blocks, commits each on a majority of replicas before committing Kafka offsets, keeps lagging
// replicas caught up from verified quorum data, and steps down when it loses its majority.
import type { KeyObject } from 'node:crypto';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { auditedTopics, deadLetterTopic, envelope, newEventId, topics } from '@medshare/contracts';
import type { EventPublisher } from '@medshare/messaging';
import type { Logger } from '@medshare/service-kit';
import { BlockCutter } from '../block/block-cutter';
import { blockHashOf, headerSignatureValid } from '../block/block-header';
import { leafOf } from '../block/leaf';
import { cursorKey, type OffsetCursor } from '../block/offset-cursor';
import { EMPTY_CHAIN, headOf, sealBlock, type BlockRecord, type ChainHead, type LedgerSigner, type PendingLeaf, type SealedBlock } from '../block/sealed-block';
import { ledgerMetrics } from '../ledger-metrics';
import type { Replica } from '../replica/replica';
import { readVerifiedBlocks } from '../replica/verified-copy';
import { blockHeader } from '@medshare/contracts';
import { CompactRange } from '@medshare/merkle';
import { HealthAlerts, replicaCondition, type LedgerAlert } from './health-alerts';
import { SerialQueue } from './serial-queue';

export interface LedgerWriterOptions {
  replicas: readonly Replica[];
  kafka: Kafka;
  publisher: EventPublisher;
  logger: Logger;
  signer: LedgerSigner;
  publicKey: KeyObject;
  groupId: string;
  maxEvents: number;
  maxAgeMs: number;
  retryMs: number;
  /** `earliest` or an ISO instant: where partitions the chain has never read start. */
  startFrom: string;
  /** A reachable replica more than this many blocks behind the committed head is reported unhealthy. */
  lagAlertBlocks: number;
}

export type WriterRole = 'standby' | 'active';

interface WaitingLeaf extends PendingLeaf {
  /** Set for a message that failed to parse: it goes to the dead-letter topic once its block commits. */
  deadLetter?: { reason: string; message: KafkaMessage };
}

/** Blocks copied per transaction when catching a replica up, so commits can interleave. */
const CATCH_UP_BLOCKS = 16;

/**
 * Blocks due together are committed in one transaction per replica (group commit: one round of
 * round trips and fsyncs for all of them); reading waits when this many blocks' events are waiting.
 */
const MAX_BLOCKS_PER_COMMIT = 4;

class SteppedDown extends Error {}

export class LedgerWriter {
  private role: WriterRole = 'standby';
  private committed?: BlockRecord;
  private readonly queue = new SerialQueue();
  private readonly inSync = new Set<Replica>();
  private readonly cutter: BlockCutter<WaitingLeaf>;
  private consumer?: Consumer;
  private readPositions: Record<string, string> = {};
  private startPositions: OffsetCursor = {};
  // Bumped on every step-down: work begun under an older generation stops instead of writing.
  private generation = 0;
  private heartbeat?: () => Promise<void>;
  // The blocks being cut and committed while the consumer reads on (one group at a time, see MAX_BLOCKS_PER_COMMIT).
  private cutting?: Promise<void>;
  // Offset commits, header publication and dead letters, in block order, off the commit path.
  private readonly announcements = new SerialQueue();
  private tickTimer?: NodeJS.Timeout;
  private cutTimer?: NodeJS.Timeout;
  private ticking = false;
  private stopped = false;
  private quorumBlocked = false;
  private readonly majority: number;
  private readonly healthAlerts: HealthAlerts;
  // Last head height each replica was seen at (catch-up and block writes), for its lag.
  private readonly replicaHeights = new Map<Replica, number>();
  // Alerts go out in the order they were raised, off the commit path.
  private readonly alerts = new SerialQueue();

  constructor(private readonly options: LedgerWriterOptions) {
    this.cutter = new BlockCutter(options.maxEvents, options.maxAgeMs);
    this.majority = Math.floor(options.replicas.length / 2) + 1;
    this.healthAlerts = new HealthAlerts(options.replicas.map((replica) => replica.address).join(','));
    ledgerMetrics.writerActive.set(0);
  }

  get isActive(): boolean {
    return this.role === 'active';
  }

  get writerRole(): WriterRole {
    return this.role;
  }

  /** The committed head (active writer only; a standby reads it from the replicas). */
  get committedHead(): BlockRecord | undefined {
    return this.committed;
  }

  get quorumSize(): number {
    return this.majority;
  }

  /** True while a block waits for a majority of replicas: commits are stopped. */
  get commitsBlocked(): boolean {
    return this.quorumBlocked;
  }

  isInSync(replica: Replica): boolean {
    return this.inSync.has(replica);
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      await this.tick();
      if (!this.stopped) this.tickTimer = setTimeout(() => void loop(), this.options.retryMs);
    };
    void loop();
  }

  /** Graceful stop: commits what is waiting if it can, then leaves the group and releases the locks. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.tickTimer);
    if (this.role === 'active') {
      const generation = this.generation;
      await this.queue.run(() => this.cutAndCommit(generation, true)).catch((error: unknown) => this.log().warn({ error: messageOf(error) }, 'final block not committed; Kafka will hand its events back'));
    }
    await this.stepDown('shutting down');
  }

  /** Onto the writer queue: `job` runs with no block commit or catch-up interleaved. */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    return this.queue.run(job);
  }

  /** Verified copies of blocks from an in-sync replica, for repairs. */
  async verifiedBlocks(fromHeight: number, toHeight: number, except: Replica): Promise<SealedBlock[]> {
    const sources = [...this.inSync].filter((replica) => replica !== except);
    let lastError: unknown = new Error('no in-sync replica to copy from');
    for (const source of sources) {
      try {
        return await readVerifiedBlocks(source, fromHeight, toHeight, this.options.publicKey);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      if (this.role === 'standby') await this.tryToLead();
      else await this.maintain();
    } catch (error) {
      this.log().error({ error: messageOf(error) }, 'writer tick failed');
    } finally {
      this.ticking = false;
      if (this.role === 'active') this.observeReplicas();
      this.updateReplicaMetrics();
    }
  }

  private async tryToLead(): Promise<void> {
    const { replicas } = this.options;
    const attempts = await Promise.allSettled(replicas.map((replica) => replica.acquireWriterLock()));
    const locked = replicas.filter((_, i) => attempts[i].status === 'fulfilled' && (attempts[i] as PromiseFulfilledResult<boolean>).value);
    if (locked.length < this.majority) {
      // Holding a minority would only keep another instance from its majority.
      await Promise.all(locked.map((replica) => replica.releaseWriterLock()));
      // A standby whose majority is merely locked by the active writer still sees a quorum.
      const reachable = attempts.filter((attempt) => attempt.status === 'fulfilled').length;
      ledgerMetrics.quorum.set(reachable >= this.majority ? 1 : 0);
      return;
    }
    try {
      await this.becomeActive(locked);
    } catch (error) {
      this.log().error({ error: messageOf(error) }, 'could not take over as writer');
      await this.stepDown('take-over failed');
    }
  }

  private async becomeActive(locked: readonly Replica[]): Promise<void> {
    const generation = ++this.generation;
    const adopted = await this.adoptHead(locked);
    this.committed = adopted?.block;
    this.inSync.clear();
    // The replica the head came from first: it is in sync by definition and the others copy from it.
    const ordered = adopted ? [adopted.replica, ...locked.filter((replica) => replica !== adopted.replica)] : locked;
    for (const replica of ordered) {
      try {
        while (!(await this.queue.run(() => this.catchUpStep(replica)))) {
          if (generation !== this.generation) throw new SteppedDown();
        }
      } catch (error) {
        if (error instanceof SteppedDown) throw error;
        this.log().warn({ replica: replica.name, error: messageOf(error) }, 'replica not caught up at take-over');
      }
    }
    if (this.inSync.size < this.majority) throw new Error(`only ${this.inSync.size} replicas in sync`);
    this.role = 'active';
    this.quorumBlocked = false;
    this.raise(this.healthAlerts.quorumBack(this.quorumObservation()));
    ledgerMetrics.writerActive.set(1);
    ledgerMetrics.quorum.set(1);
    ledgerMetrics.headHeight.set(this.committed?.header.height ?? -1);
    this.log().info({ height: this.committed?.header.height ?? -1, replicas: [...this.inSync].map((replica) => replica.name) }, 'active writer');
    // The previous writer may have died between commit and publish: witnesses dedupe by height.
    if (this.committed) await this.publishHeader(this.committed);
    await this.startConsumer(generation);
  }

  /**
   * The head to continue from: the highest block among the locked majority whose header verifies.
   * Any committed block is on at least one replica of every majority, so nothing committed is lost; a
   * block written to a minority before a crash is adopted and completed, never rewritten differently.
   */
  private async adoptHead(locked: readonly Replica[]): Promise<{ block: BlockRecord; replica: Replica } | undefined> {
    const heads = await Promise.all(locked.map(async (replica) => ({ replica, head: await replica.head() })));
    heads.sort((a, b) => (b.head?.height ?? -1) - (a.head?.height ?? -1));
    if (heads.every(({ head }) => head === undefined)) return undefined;
    for (const { replica, head } of heads) {
      if (head === undefined) break;
      const [stored] = await replica.storedBlocks(head.height, head.height);
      const parsed = blockHeader.safeParse(stored?.header);
      if (!stored || !parsed.success) continue;
      const valid = blockHashOf(parsed.data) === stored.blockHash && headerSignatureValid(parsed.data, stored.signature, this.options.publicKey);
      if (!valid) {
        this.log().warn({ replica: replica.name, height: head.height }, 'head block does not verify; not adopting it');
        continue;
      }
      const block = { header: parsed.data, blockHash: stored.blockHash, signature: stored.signature, checkpoint: stored.checkpoint, treeState: CompactRange.fromJSON(stored.treeState).toJSON(), cursor: stored.cursor };
      return { block, replica };
    }
    // Never start a fresh chain over blocks that exist: a wrong key or a tampered quorum needs a human.
    throw new Error('no replica head verifies with the ledger key; refusing to write');
  }

  private async maintain(): Promise<void> {
    const { replicas } = this.options;
    await Promise.allSettled(replicas.filter((replica) => !replica.holdsWriterLock).map((replica) => replica.acquireWriterLock()));
    const locked = replicas.filter((replica) => replica.holdsWriterLock);
    if (locked.length < this.majority) {
      this.log().error({ locked: locked.length, replicas: replicas.length }, 'quorum lost: commits stopped');
      this.onQuorumLost();
      await this.stepDown('quorum lost');
      return;
    }
    // While a block waits for its quorum, the commit loop does the catching up itself.
    for (const replica of this.quorumBlocked ? [] : locked) {
      if (this.inSync.has(replica)) continue;
      try {
        await this.queue.run(() => this.catchUpStep(replica));
      } catch (error) {
        this.log().warn({ replica: replica.name, error: messageOf(error) }, 'catch-up failed; retrying');
      }
    }
  }

  /**
   * One step of bringing `replica` to the committed head: drop a tail that is not the chain's, then copy
   * up to CATCH_UP_BLOCKS verified blocks. True once it is in sync. Runs on the writer queue.
   */
  private async catchUpStep(replica: Replica, pending?: SealedBlock): Promise<boolean> {
    if (!replica.holdsWriterLock) return false;
    const target = this.committed?.header.height ?? -1;
    const head = await replica.head();
    this.replicaHeights.set(replica, head?.height ?? -1);
    const holds = (block?: BlockRecord) => (block === undefined ? head === undefined : head?.height === block.header.height && head.blockHash === block.blockHash);
    if (holds(this.committed)) {
      this.inSync.add(replica);
      return true;
    }
    if (pending && holds(pending)) return true;
    let common = Math.min(head?.height ?? -1, target);
    const source = this.sourceFor(replica);
    while (common >= 0) {
      const low = Math.max(0, common - 63);
      const [mine, theirs] = await Promise.all([replica.blockHashes(low, common), source.blockHashes(low, common)]);
      let h = common;
      while (h >= low && mine.get(h) !== theirs.get(h)) h -= 1;
      if (h >= low) {
        common = h;
        break;
      }
      common = low - 1;
    }
    if ((head?.height ?? -1) > common) {
      this.log().warn({ replica: replica.name, from: common + 1, to: head?.height }, 'dropping a tail that is not the committed chain');
      await replica.truncateAbove(common);
    }
    if (common < target) {
      const to = Math.min(target, common + CATCH_UP_BLOCKS);
      const blocks = await readVerifiedBlocks(source, common + 1, to, this.options.publicKey);
      await replica.append(blocks);
      this.replicaHeights.set(replica, to);
      this.log().info({ replica: replica.name, from: common + 1, to }, 'replica caught up from verified quorum data');
      if (to < target) return false;
    }
    this.inSync.add(replica);
    return true;
  }

  /** A replica holding the committed head to copy from (the in-sync ones first). */
  private sourceFor(target: Replica): Replica {
    const source = [...this.inSync].find((replica) => replica !== target);
    if (source) return source;
    const other = this.options.replicas.find((replica) => replica !== target && replica.holdsWriterLock);
    if (!other) throw new Error('no replica to copy from');
    return other;
  }

  private async startConsumer(generation: number): Promise<void> {
    const { kafka, groupId } = this.options;
    this.startPositions = await this.resolveStartPositions();
    this.readPositions = { ...this.startPositions, ...(this.committed?.cursor ?? {}) };
    // A short session: after a crash the group waits this long for the dead member before a new writer reads.
    const consumer = kafka.consumer({
      groupId,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 24 * 1024 * 1024,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      // An idle fetch returns within a second, so stepping down or shutting down never waits long for it.
      maxWaitTimeInMs: 1000,
    });
    this.consumer = consumer;
    // The chain, not the consumer group, says where to read: seek every assigned partition to it.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) {
          const offset = this.readPositions[cursorKey(topic, partition)];
          if (offset !== undefined) consumer.seek({ topic, partition, offset });
        }
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topics: auditedTopics.map((topic) => topic.name), fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(generation, payload) });
    const interval = Math.min(100, Math.max(10, Math.floor(this.options.maxAgeMs / 10)));
    this.cutTimer = setInterval(() => {
      if (this.cutter.due(Date.now())) void this.cutIfDue(generation);
    }, interval);
  }

  private async resolveStartPositions(): Promise<Record<string, string>> {
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      const positions: Record<string, string> = {};
      const at = this.options.startFrom === 'earliest' ? undefined : Date.parse(this.options.startFrom);
      for (const topic of auditedTopics) {
        const offsets =
          at === undefined
            ? (await admin.fetchTopicOffsets(topic.name)).map(({ partition, low }) => ({ partition, offset: low }))
            : await admin.fetchTopicOffsetsByTimestamp(topic.name, at);
        for (const { partition, offset } of offsets) positions[cursorKey(topic.name, partition)] = offset;
      }
      return positions;
    } finally {
      await admin.disconnect();
    }
  }

  private async onBatch(generation: number, { batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    this.heartbeat = heartbeat;
    const { topic, partition, messages } = batch;
    const key = cursorKey(topic, partition);
    // Kafka offsets are safe integers in practice; numbers here, strings in the chain.
    const expectedText = this.readPositions[key];
    const expected = expectedText === undefined ? -1 : Number(expectedText);
    let last: string | undefined;
    for (const message of messages) {
      if (generation !== this.generation || !isRunning() || isStale()) break;
      const { offset, value } = message;
      last = offset;
      // Already in the chain (or waiting for a block): a refetch after a seek or rebalance.
      if (Number(offset) < expected) continue;
      const { leaf, deadLetterReason } = leafOf({ topic, partition, offset, value });
      const waiting: WaitingLeaf = { topic, partition, offset, leaf };
      if (deadLetterReason !== undefined) waiting.deadLetter = { reason: deadLetterReason, message };
      const now = Date.now();
      this.cutter.add(waiting, now);
      // Parsing the next blocks overlaps the replicas writing these; with MAX_BLOCKS_PER_COMMIT blocks waiting, reading waits.
      if (this.cutter.due(now)) {
        this.readPositions[key] = String(Number(offset) + 1);
        const cut = this.cutIfDue(generation);
        if (this.cutter.size >= MAX_BLOCKS_PER_COMMIT * this.options.maxEvents) await cut;
      }
    }
    if (generation !== this.generation) return;
    if (last === undefined) return;
    // Once per batch: every message up to `last` is in the chain or held by the cutter.
    this.readPositions[key] = String(Math.max(expected, Number(last) + 1));
    resolveOffset(last);
    await heartbeat();
  }

  /** Starts cutting due blocks unless a cut is already under way; resolves when that cut is done. */
  private cutIfDue(generation: number): Promise<void> {
    this.cutting ??= this.queue
      .run(() => this.cutAndCommit(generation, false))
      .catch((error: unknown) => {
        if (!(error instanceof SteppedDown)) this.log().error({ error: messageOf(error) }, 'block commit failed');
      })
      .finally(() => (this.cutting = undefined));
    return this.cutting;
  }

  private async cutAndCommit(generation: number, everything: boolean): Promise<void> {
    const more = () => (everything ? this.cutter.size > 0 : this.cutter.due(Date.now()));
    while (generation === this.generation && more()) {
      const cutAt = process.hrtime.bigint();
      // Every block already due, each at most BLOCK_MAX_EVENTS, chained and sealed before one commit.
      const group: { block: SealedBlock; waiting: WaitingLeaf[] }[] = [];
      let head: ChainHead = this.committed ? headOf(this.committed) : EMPTY_CHAIN;
      do {
        const waiting = this.cutter.cut();
        const block = sealBlock(head, waiting, { positions: { ...this.startPositions, ...head.cursor }, time: new Date(), signer: this.options.signer });
        group.push({ block, waiting });
        head = headOf(block);
      } while (group.length < MAX_BLOCKS_PER_COMMIT && more());
      await this.commitOnQuorum(group.map(({ block }) => block), generation);
      const seconds = Number(process.hrtime.bigint() - cutAt) / 1e9;
      for (const { block, waiting } of group) {
        ledgerMetrics.blockCommitSeconds.observe(seconds);
        this.afterCommit(block, waiting);
      }
    }
  }

  /**
   * Writes consecutive blocks to every in-sync replica, in one transaction each, until a majority holds
   * them; retries (commits stopped) until then.
   */
  private async commitOnQuorum(blocks: readonly SealedBlock[], generation: number): Promise<void> {
    const block = blocks[blocks.length - 1];
    const holding = new Set<Replica>();
    for (;;) {
      if (generation !== this.generation) throw new SteppedDown();
      if (this.options.replicas.filter((replica) => replica.holdsWriterLock).length < this.majority) {
        // Not awaited: stepping down waits for the consumer, which waits for this very commit.
        this.onQuorumLost();
        void this.stepDown('writer lock lost on a majority of replicas');
        throw new SteppedDown();
      }
      const targets = [...this.inSync].filter((replica) => !holding.has(replica) && replica.holdsWriterLock);
      const results = await Promise.allSettled(targets.map((replica) => replica.append(blocks)));
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') holding.add(targets[i]);
        else {
          this.inSync.delete(targets[i]);
          this.log().warn({ replica: targets[i].name, height: block.header.height, error: messageOf(result.reason) }, 'block write failed on a replica');
        }
      });
      if (holding.size >= this.majority) break;
      if (!this.quorumBlocked) this.log().error({ height: block.header.height, holding: holding.size, needed: this.majority }, 'no write quorum: commits stopped until a majority is back');
      this.quorumBlocked = true;
      this.onQuorumLost(holding.size);
      await this.heartbeat?.().catch(() => undefined);
      await sleep(this.options.retryMs);
      for (const replica of this.options.replicas) {
        if (holding.has(replica) || this.inSync.has(replica) || !replica.holdsWriterLock) continue;
        const caughtUp = await this.catchUpStep(replica, block).catch(() => false);
        // A replica whose write failed may still have committed it: then it already holds the blocks.
        if (caughtUp && (await replica.head().catch(() => undefined))?.blockHash === block.blockHash) {
          this.inSync.delete(replica);
          holding.add(replica);
        }
      }
    }
    this.committed = block;
    this.inSync.clear();
    for (const replica of holding) this.inSync.add(replica);
    if (this.quorumBlocked) this.log().info({ height: block.header.height }, 'write quorum back: commits resumed');
    this.quorumBlocked = false;
    for (const replica of holding) this.replicaHeights.set(replica, block.header.height);
    this.raise(this.healthAlerts.quorumBack(this.quorumObservation(holding.size)));
    ledgerMetrics.quorum.set(1);
  }

  private afterCommit(block: SealedBlock, waiting: readonly WaitingLeaf[]): void {
    ledgerMetrics.blocksCommitted.inc();
    ledgerMetrics.eventsCommitted.inc(block.events.length);
    ledgerMetrics.headHeight.set(block.header.height);
    const consumer = this.consumer;
    void this.announcements.run(async () => {
      // Offsets are only committed for monitoring (lag): a restart reads the chain's cursor, not these.
      await consumer
        ?.commitOffsets(block.header.offsets.map(({ topic, partition, last }) => ({ topic, partition, offset: (BigInt(last) + 1n).toString() })))
        .catch((error: unknown) => this.log().warn({ error: messageOf(error) }, 'Kafka offset commit failed'));
      await this.publishHeader(block);
      const deadLetters = waiting.filter((item) => item.deadLetter !== undefined);
      if (deadLetters.length > 0) await this.deadLetter(deadLetters);
    });
  }

  private async publishHeader(block: BlockRecord): Promise<void> {
    const { header, blockHash, signature, checkpoint } = block;
    try {
      await this.options.publisher.publish(topics.ledgerBlocks, [envelope('ledger.block-committed.v1', 'ledger', { header, blockHash, signature, checkpoint })]);
    } catch (error) {
      this.log().error({ height: header.height, error: messageOf(error) }, 'publishing the block header failed');
    }
  }

  private async deadLetter(items: readonly WaitingLeaf[]): Promise<void> {
    const messages = items.map(({ topic, partition, offset, deadLetter }) => {
      const { reason, message } = deadLetter as NonNullable<WaitingLeaf['deadLetter']>;
      const headers: IHeaders = {
        ...(message.headers ?? {}),
        'dlq.reason': reason,
        'dlq.topic': topic,
        'dlq.partition': String(partition),
        'dlq.offset': offset,
        'dlq.group': this.options.groupId,
        'dlq.time': new Date().toISOString(),
      };
      return { key: message.key, value: message.value, headers };
    });
    try {
      await this.options.publisher.publishRaw(deadLetterTopic, messages);
      for (const item of items) ledgerMetrics.deadLettered.inc({ topic: item.topic });
      this.log().warn({ count: items.length }, 'unparseable audited messages recorded as marker leaves and dead-lettered');
    } catch (error) {
      this.log().error({ count: items.length, error: messageOf(error) }, 'dead-lettering failed (the ledger recorded the messages)');
    }
  }

  private async stepDown(reason: string): Promise<void> {
    this.generation += 1;
    const wasActive = this.role === 'active';
    this.role = 'standby';
    clearInterval(this.cutTimer);
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
    // Announcements of committed blocks still go out (the publisher outlives the writer).
    await this.announcements.run(async () => undefined);
    this.cutter.clear();
    this.inSync.clear();
    this.committed = undefined;
    this.quorumBlocked = false;
    await Promise.all(this.options.replicas.map((replica) => replica.releaseWriterLock()));
    ledgerMetrics.writerActive.set(0);
    if (wasActive) this.log().warn({ reason }, 'stepped down to standby');
  }

  /** Commits stopped: the replicas' state and one critical alert (not one per retry). */
  private onQuorumLost(writable = this.options.replicas.filter((replica) => replica.holdsWriterLock).length): void {
    ledgerMetrics.quorum.set(0);
    this.observeReplicas();
    this.raise(this.healthAlerts.quorumLostNow(this.quorumObservation(writable)));
  }

  private quorumObservation(writable = this.inSync.size): { writable: number; replicas: number; needed: number } {
    return { writable, replicas: this.options.replicas.length, needed: this.majority };
  }

  /** Health of every replica as the active writer sees it; an alert on each change. */
  private observeReplicas(): void {
    const committedHeight = this.committed?.header.height ?? -1;
    for (const replica of this.options.replicas) {
      const condition = replicaCondition(
        { holdsLock: replica.holdsWriterLock, inSync: this.inSync.has(replica), height: this.replicaHeights.get(replica), committedHeight },
        this.options.lagAlertBlocks,
      );
      this.raise(this.healthAlerts.replica(replica, condition));
    }
  }

  private raise(alert: LedgerAlert | undefined): void {
    if (alert === undefined) return;
    const level = alert.severity === 'critical' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';
    this.log()[level]({ kind: alert.kind, severity: alert.severity, state: alert.details?.state, replica: alert.details?.replica }, alert.summary);
    void this.alerts.run(async () => {
      try {
        await this.options.publisher.publish(topics.governanceAlerts, [envelope('governance.alert.v1', 'ledger', { alertId: newEventId(), ...alert })]);
      } catch (error) {
        this.log().error({ kind: alert.kind, error: messageOf(error) }, 'publishing a ledger health alert failed');
      }
    });
  }

  private updateReplicaMetrics(): void {
    for (const replica of this.options.replicas) ledgerMetrics.replicaHealthy.set({ replica: replica.name }, this.inSync.has(replica) ? 1 : 0);
  }

  private log(): Logger {
    return this.options.logger;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
