// Commits blocks on a majority of replicas: written to every following replica at once, committed as
// soon as a majority holds them. The slowest replica never holds a commit up: its writes queue behind
// each other (ReplicaSync.write) and either land a little later or time out in the replica, which then
// stops being fed and is caught up from verified copies when it answers again.
import type { Logger } from '@medshare/service-kit';
import type { SealedBlock } from '../block/sealed-block';
import type { ChainReplica, ReplicaSet } from '../replica/replica-set';
import type { ReplicaSync } from './replica-sync';

/** Work begun under a writer that has since stepped down: it stops instead of writing. */
export class SteppedDown extends Error {}

/** The writer lock is held on less than a majority: the writer must step down. */
export class MajorityLockLost extends SteppedDown {}

export interface QuorumCommitOptions {
  retryMs: number;
  logger: Logger;
  onQuorumLost(writable: number): void;
  onQuorumBack(writable: number): void;
}

export class QuorumCommit<R extends ChainReplica> {
  private blocked = false;

  constructor(
    private readonly set: ReplicaSet<R>,
    private readonly sync: ReplicaSync<R>,
    private readonly options: QuorumCommitOptions,
  ) {}

  /** True while a block waits for a majority of replicas: commits are stopped. */
  get commitsBlocked(): boolean {
    return this.blocked;
  }

  reset(): void {
    this.blocked = false;
  }

  /**
   * Writes consecutive blocks that follow the committed head (one transaction per replica) until a
   * majority holds them; retries, commits stopped, until then.
   */
  async commit(blocks: readonly SealedBlock[], isCurrent: () => boolean, keepAlive: () => Promise<void>): Promise<void> {
    const block = blocks[blocks.length - 1];
    const { height } = block.header;
    const holding = new Set<R>();
    for (;;) {
      if (!isCurrent()) throw new SteppedDown();
      const locked = this.set.locked().length;
      if (!this.set.isMajority(locked)) {
        this.options.onQuorumLost(locked);
        throw new MajorityLockLost();
      }
      const targets = this.sync.followingReplicas.filter((replica) => !holding.has(replica) && replica.holdsWriterLock);
      await this.writeUntilMajority(targets, blocks, holding);
      if (this.set.isMajority(holding.size)) break;
      if (!this.blocked)
        this.options.logger.error({ height, holding: holding.size, needed: this.set.majority }, 'no write quorum: commits stopped until a majority is back');
      this.blocked = true;
      this.options.onQuorumLost(holding.size);
      await keepAlive().catch(() => undefined);
      await sleep(this.options.retryMs);
      for (const replica of this.set.members) {
        if (holding.has(replica) || this.sync.isFollowing(replica)) continue;
        const caughtUp = await this.sync.catchUpStep(replica, block).catch(() => false);
        // A write that failed may still have committed: then the replica already holds the blocks.
        if (caughtUp && (await replica.head().catch(() => undefined))?.blockHash === block.blockHash) holding.add(replica);
      }
    }
    this.sync.committedOn(block, holding);
    if (this.blocked) this.options.logger.info({ height }, 'write quorum back: commits resumed');
    this.blocked = false;
    this.options.onQuorumBack(holding.size);
  }

  /** Resolves once a majority holds the blocks, or every write settled; late writes settle on their own. */
  private writeUntilMajority(targets: readonly R[], blocks: readonly SealedBlock[], holding: Set<R>): Promise<void> {
    let open = targets.length;
    let done = false;
    return new Promise((resolve) => {
      const settle = () => {
        if (!done && (open === 0 || this.set.isMajority(holding.size))) {
          done = true;
          resolve();
        }
      };
      settle();
      for (const replica of targets) {
        void this.sync.write(replica, blocks).then((written) => {
          open -= 1;
          if (written && !done) holding.add(replica);
          settle();
        });
      }
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
