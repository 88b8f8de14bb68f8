// The single active writer of the chain, as a coordinator of its parts: the writer lease (locks on a
// majority), replica sync, the audited-topic reader feeding the block cutter, quorum commit and the
// block announcer. A standby retries the lease; the active writer keeps its replicas caught up and steps
// down when it loses its majority.
import type { KeyObject } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { EventPublisher } from '@medshare/messaging';
import type { Logger } from '@medshare/service-kit';
import type { BlockRecord, LedgerSigner, SealedBlock } from '../block/sealed-block';
import { ledgerMetrics } from '../ledger-metrics';
import type { ChainReplica, ReplicaSet } from '../replica/replica-set';
import { BlockAnnouncer } from './block-announcer';
import { BlockCommitter } from './block-committer';
import { MajorityLockLost, QuorumCommit, SteppedDown } from './quorum-commit';
import { ReplicaSync } from './replica-sync';
import { SerialQueue } from './serial-queue';
import { AuditedTopicReader, type TopicReaderOptions } from './topic-reader';
import { messageOf, WriterHealth } from './writer-health';
import { WriterLease } from './writer-lease';

export interface LedgerWriterOptions extends Omit<TopicReaderOptions, 'kafka'> {
  replicas: ReplicaSet;
  kafka: Kafka;
  publisher: EventPublisher;
  logger: Logger;
  signer: LedgerSigner;
  publicKey: KeyObject;
  retryMs: number;
  /** A reachable replica more than this many blocks behind the committed head is reported unhealthy. */
  lagAlertBlocks: number;
}

export type WriterRole = 'standby' | 'active';

export class LedgerWriter {
  private role: WriterRole = 'standby';
  // Every write to the replicas (blocks, catch-up, repair) runs here, never two interleaved.
  private readonly queue = new SerialQueue();
  // Bumped on every step-down: work begun under an older generation stops instead of writing.
  private generation = 0;
  private cutting?: Promise<void>;
  private tickTimer?: NodeJS.Timeout;
  private ticking = false;
  private stopped = false;
  private readonly lease: WriterLease<ChainReplica>;
  private readonly sync: ReplicaSync<ChainReplica>;
  private readonly reader: AuditedTopicReader;
  private readonly quorum: QuorumCommit<ChainReplica>;
  private readonly announcer: BlockAnnouncer;
  private readonly health: WriterHealth<ChainReplica>;
  private readonly committer: BlockCommitter<ChainReplica>;

  constructor(private readonly options: LedgerWriterOptions) {
    const { replicas, publisher, logger, publicKey, retryMs } = options;
    this.health = new WriterHealth(replicas, publisher, logger, options.lagAlertBlocks);
    this.lease = new WriterLease(replicas);
    this.sync = new ReplicaSync(replicas, { publicKey, logger, onTamper: (replica, findings) => this.health.tamper(replica, findings, true) });
    this.reader = new AuditedTopicReader(options);
    this.quorum = new QuorumCommit(replicas, this.sync, {
      retryMs,
      logger,
      onQuorumLost: (n) => this.health.quorumLost(this.sync, n),
      onQuorumBack: (n) => this.health.quorumBack(n),
    });
    this.announcer = new BlockAnnouncer(publisher, logger, options.groupId);
    this.committer = new BlockCommitter({ reader: this.reader, sync: this.sync, quorum: this.quorum, announcer: this.announcer }, options.signer);
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
    return this.sync.committed;
  }
  get quorumSize(): number {
    return this.options.replicas.majority;
  }
  /** True while a block waits for a majority of replicas: commits are stopped. */
  get commitsBlocked(): boolean {
    return this.quorum.commitsBlocked;
  }
  isInSync(replica: ChainReplica): boolean {
    return this.sync.isInSync(replica);
  }
  /** Onto the writer queue: `job` runs with no block commit or catch-up interleaved. */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    return this.queue.run(job);
  }
  /** Verified copies of blocks from an in-sync replica, for repairs. */
  verifiedBlocks(fromHeight: number, toHeight: number, except: ChainReplica): Promise<SealedBlock[]> {
    return this.sync.verifiedBlocks(fromHeight, toHeight, except);
  }

  start(): void {
    // Off the take-over's critical path: a standby is connected for the log starts before it ever leads.
    this.reader
      .connectOffsets()
      .catch((error: unknown) => this.options.logger.warn({ error: messageOf(error) }, 'offsets connection not ready; the take-over connects it'));
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
    if (this.isActive) {
      const current = this.isCurrent(this.generation);
      await this.queue
        .run(() => this.committer.cutAndCommit(true, current))
        .catch((error: unknown) => this.options.logger.warn({ error: messageOf(error) }, 'final block not committed; Kafka will hand its events back'));
    }
    await this.stepDown('shutting down');
    await this.reader.close();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await (this.isActive ? this.maintain() : this.tryToLead());
    } catch (error) {
      this.options.logger.error({ error: messageOf(error) }, 'writer tick failed');
    } finally {
      this.ticking = false;
      if (this.isActive) this.health.observe(this.sync);
      this.health.updateMetrics(this.sync);
    }
  }

  private async tryToLead(): Promise<void> {
    const { locked, reachable } = await this.lease.acquire();
    // A standby whose majority is merely locked by the active writer still sees a quorum.
    if (!locked) return void ledgerMetrics.quorum.set(this.options.replicas.isMajority(reachable) ? 1 : 0);
    const current = this.isCurrent(++this.generation);
    const started = performance.now();
    const reading = this.reader.prepare();
    reading.catch(() => undefined); // awaited after the sync; a failed sync steps down (and stops it) first
    try {
      await this.sync.takeOver(locked, (job) => this.queue.run(job), current);
      const synced = performance.now();
      await reading;
      const prepared = performance.now();
      if (!current()) throw new SteppedDown();
      if (!this.options.replicas.isMajority(this.sync.inSyncReplicas.length)) throw new Error(`only ${this.sync.inSyncReplicas.length} replicas in sync`);
      this.role = 'active';
      this.health.nowActive(this.sync);
      const { committed } = this.sync;
      // The previous writer may have died between commit and publish: witnesses dedupe by height.
      if (committed) await this.announcer.publishHeader(committed);
      await this.reader.start(committed?.cursor ?? {}, () => this.cutIfDue(current), current);
      // A take-over is news for operators (warn, like a step-down), with where its time went.
      this.options.logger.warn(
        {
          height: committed?.header.height ?? -1,
          syncMs: Math.round(synced - started),
          preparedAfterSyncMs: Math.round(prepared - synced),
          readerMs: Math.round(performance.now() - prepared),
        },
        'took over as the active writer',
      );
    } catch (error) {
      this.options.logger.error({ error: messageOf(error) }, 'could not take over as writer');
      await this.stepDown('take-over failed');
    }
  }

  private async maintain(): Promise<void> {
    if (!(await this.lease.renew())) {
      this.options.logger.error({ locked: this.options.replicas.locked().length, replicas: this.options.replicas.size }, 'quorum lost: commits stopped');
      this.health.quorumLost(this.sync, this.options.replicas.locked().length);
      return this.stepDown('quorum lost');
    }
    // While a block waits for its quorum, the commit loop does the catching up itself.
    for (const replica of this.quorum.commitsBlocked ? [] : this.options.replicas.locked()) {
      if (this.sync.isFollowing(replica)) continue;
      await this.queue
        .run(() => this.sync.catchUpStep(replica))
        .catch((error: unknown) => this.options.logger.warn({ replica: replica.name, error: messageOf(error) }, 'catch-up failed; retrying'));
    }
  }

  /** Starts cutting due blocks unless a cut is already under way; resolves when that cut is done. */
  private cutIfDue(current: () => boolean): Promise<void> {
    this.cutting ??= this.queue
      .run(() => this.committer.cutAndCommit(false, current))
      .catch((error: unknown) => {
        // Not awaited: stepping down waits for the consumer, which waits for this very commit.
        if (error instanceof MajorityLockLost) void this.stepDown('writer lock lost on a majority of replicas');
        else if (!(error instanceof SteppedDown)) this.options.logger.error({ error: messageOf(error) }, 'block commit failed');
      })
      .finally(() => (this.cutting = undefined));
    return this.cutting;
  }

  private isCurrent(generation: number): () => boolean {
    return () => generation === this.generation;
  }

  private async stepDown(reason: string): Promise<void> {
    this.generation += 1;
    const wasActive = this.isActive;
    this.role = 'standby';
    await this.reader.stop();
    // Announcements of committed blocks still go out (the publisher outlives the writer).
    await this.announcer.drain();
    this.sync.reset();
    this.quorum.reset();
    await this.lease.release();
    ledgerMetrics.writerActive.set(0);
    if (wasActive) this.options.logger.warn({ reason }, 'stepped down to standby');
  }
}
