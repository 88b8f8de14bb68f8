// The replicas of one chain and how many of them make a majority: the one place that says what a
// quorum is. Generic over the replica so the writer's parts run against in-memory replicas in tests.
import type { EventRow, SealedBlock } from '../block/sealed-block';
import type { StoredBlock } from '../verification/chain-verifier';

export interface ReplicaHead {
  height: number;
  blockHash: string;
}

/** What the writer needs of a replica: its writer lock, reads of its chain, and writes through the lock's session. */
export interface ChainReplica {
  /** `replica-N`, N counting from 1 in LEDGER_REPLICA_URLS order. */
  readonly name: string;
  /** host:port/database, without credentials: what reports and alerts show. */
  readonly address: string;
  readonly holdsWriterLock: boolean;
  acquireWriterLock(): Promise<boolean>;
  releaseWriterLock(): Promise<void>;
  head(): Promise<ReplicaHead | undefined>;
  blockHashes(fromHeight: number, toHeight: number): Promise<Map<number, string>>;
  storedBlocks(fromHeight: number, toHeight: number): Promise<StoredBlock[]>;
  events(fromHeight: number, toHeight: number): Promise<EventRow[]>;
  /** Event rows no block up to `headHeight` can hold (at most 100). */
  strayEvents(treeSize: number, headHeight: number): Promise<{ leafIndex: number; height: number }[]>;
  append(blocks: readonly SealedBlock[]): Promise<void>;
  /** Drops every block above `height` and every event row outside the first `treeSize` leaves of heights 0..height. */
  truncateAbove(height: number, treeSize: number): Promise<void>;
}

export class ReplicaSet<R extends ChainReplica = ChainReplica> {
  readonly majority: number;

  constructor(readonly members: readonly R[]) {
    if (members.length === 0) throw new Error('a chain needs at least one replica');
    this.majority = Math.floor(members.length / 2) + 1;
  }

  get size(): number {
    return this.members.length;
  }

  /** Names the chain in alerts (its replicas' addresses), so alerts of several ledgers on one topic are told apart. */
  get chain(): string {
    return this.members.map((replica) => replica.address).join(',');
  }

  isMajority(count: number): boolean {
    return count >= this.majority;
  }

  /** The replicas whose writer lock this instance holds. */
  locked(): R[] {
    return this.members.filter((replica) => replica.holdsWriterLock);
  }
}
