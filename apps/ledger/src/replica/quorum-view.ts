// What the replicas agree on, for readers (the API, a standby): the committed head is the highest
// block a majority holds with the same hash; the active writer knows it without asking.
import { blockHeader } from '@medshare/contracts';
import { CompactRange } from '@medshare/merkle';
import type { BlockRecord } from '../block/sealed-block';
import { LedgerError, LedgerErrorCode } from '../ledger-error';
import type { LedgerWriter } from '../writer/ledger-writer';
import type { Replica, ReplicaHead } from './replica';
import type { ReplicaSet } from './replica-set';

export interface CommittedHead {
  block: BlockRecord;
  /** Replicas holding exactly this head, to read committed data from. */
  holders: Replica[];
}

export class QuorumView {
  private readonly replicas: readonly Replica[];

  constructor(
    private readonly set: ReplicaSet<Replica>,
    private readonly writer: LedgerWriter,
  ) {
    this.replicas = set.members;
  }

  /** Heads of every replica; undefined where the replica cannot be read. */
  async heads(): Promise<(ReplicaHead | null | undefined)[]> {
    return Promise.all(
      this.replicas.map((replica) =>
        replica.head().then(
          (head) => head ?? null,
          () => undefined,
        ),
      ),
    );
  }

  /** The committed head, or undefined for an empty chain; throws NoQuorum when a majority cannot be read. */
  async committedHead(): Promise<CommittedHead | undefined> {
    const own = this.writer.committedHead;
    if (this.writer.isActive) {
      if (own === undefined) return undefined;
      return { block: own, holders: this.replicas.filter((replica) => this.writer.isInSync(replica)) };
    }
    const heads = await this.heads();
    if (!this.set.isMajority(heads.filter((head) => head !== undefined).length))
      throw new LedgerError(LedgerErrorCode.NoQuorum, 'a majority of replicas cannot be read');
    const heights = [...new Set(heads.flatMap((head) => (head ? [head.height] : [])))].sort((a, b) => b - a);
    for (const height of heights) {
      const agreed = await this.blockAt(height);
      if (agreed) return agreed;
    }
    return undefined;
  }

  /** The block at `height` as a majority holds it (undefined when no majority agrees on one). */
  async blockAt(height: number): Promise<CommittedHead | undefined> {
    const hashes = await Promise.all(
      this.replicas.map((replica) =>
        replica.blockHashes(height, height).then(
          (map) => map.get(height),
          () => undefined,
        ),
      ),
    );
    const counts = new Map<string, number>();
    for (const hash of hashes) if (hash !== undefined) counts.set(hash, (counts.get(hash) ?? 0) + 1);
    const winner = [...counts].find(([, count]) => this.set.isMajority(count))?.[0];
    if (winner === undefined) return undefined;
    const holders = this.replicas.filter((_, i) => hashes[i] === winner);
    for (const holder of holders) {
      const [stored] = await holder.storedBlocks(height, height).catch(() => []);
      const header = blockHeader.safeParse(stored?.header);
      if (stored && header.success) {
        const block = {
          header: header.data,
          blockHash: stored.blockHash,
          signature: stored.signature,
          checkpoint: stored.checkpoint,
          treeState: CompactRange.fromJSON(stored.treeState).toJSON(),
          cursor: stored.cursor,
        };
        return { block, holders };
      }
    }
    return undefined;
  }
}
