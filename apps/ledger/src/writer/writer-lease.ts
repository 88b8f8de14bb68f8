// The right to write the chain: the writer lock held on a majority of replicas. Any two majorities share
// a replica whose lock only one instance can hold, so two writers can never both commit.
import type { ChainReplica, ReplicaSet } from '../replica/replica-set';

export class WriterLease<R extends ChainReplica> {
  constructor(private readonly set: ReplicaSet<R>) {}

  /**
   * Tries the lock on every replica: the locked replicas when they are a majority, else undefined (the
   * minority is let go at once: holding it would only keep another instance from its majority).
   * `reachable` counts the replicas that answered, locked or not.
   */
  async acquire(): Promise<{ locked?: R[]; reachable: number }> {
    const attempts = await Promise.allSettled(this.set.members.map((replica) => replica.acquireWriterLock()));
    const locked = this.set.members.filter((_, i) => attempts[i].status === 'fulfilled' && (attempts[i] as PromiseFulfilledResult<boolean>).value);
    const reachable = attempts.filter((attempt) => attempt.status === 'fulfilled').length;
    if (this.set.isMajority(locked.length)) return { locked, reachable };
    await this.release();
    return { reachable };
  }

  /** Takes the lock again where it was lost; true while it is held on a majority. */
  async renew(): Promise<boolean> {
    await Promise.allSettled(this.set.members.filter((replica) => !replica.holdsWriterLock).map((replica) => replica.acquireWriterLock()));
    return this.held();
  }

  held(): boolean {
    return this.set.isMajority(this.set.locked().length);
  }

  async release(): Promise<void> {
    await Promise.all(this.set.members.map((replica) => replica.releaseWriterLock()));
  }
}
