// Which replicas hold the committed chain, and bringing the others to it: adopting the head at take-over,
// catching a lagging replica up from verified quorum copies, and dropping whatever on it is not the
// chain. Every divergence it drops (removed blocks, a tail that does not verify, orphan rows) is a
// tamper finding, reported before the copy goes on: nothing is fixed silently.
import type { KeyObject } from 'node:crypto';
import { blockHeader } from '@medshare/contracts';
import { checkedEvent, CompactRange } from '@medshare/merkle';
import type { Logger } from '@medshare/service-kit';
import { blockHashOf, headerSignatureValid } from '../block/block-header';
import type { BlockRecord, SealedBlock } from '../block/sealed-block';
import type { ChainReplica, ReplicaHead, ReplicaSet } from '../replica/replica-set';
import { readVerifiedBlocks } from '../replica/verified-copy';
import { ChainVerifier, type Finding, type StoredBlock } from '../verification/chain-verifier';
import { messageOf } from './writer-health';

/** Blocks copied per transaction when catching a replica up, so commits can interleave. */
const CATCH_UP_BLOCKS = 16;
/** Heights compared per query when looking for where a replica's chain leaves the quorum's. */
const COMPARE_HEIGHTS = 64;
/** Block groups a slow replica may have queued; past that it stops being fed and is caught up later. */
const MAX_QUEUED_WRITES = 8;

export interface ReplicaSyncOptions {
  publicKey: KeyObject;
  logger: Logger;
  /** A divergence found and removed on `replica`. */
  onTamper(replica: ChainReplica, findings: readonly Finding[]): void;
}

export class ReplicaSync<R extends ChainReplica> {
  // Replicas fed every block as it is committed (possibly a little behind: see `write`).
  private readonly followers = new Set<R>();
  private head?: BlockRecord;
  // Last head height each replica was seen at or acknowledged, for its lag.
  private readonly heights = new Map<R, number>();
  // The highest block each replica acknowledged holding under this writer: less later means removed blocks.
  private readonly acknowledged = new Map<R, number>();
  // Each replica's block writes in order, one after another, and how many are queued.
  private readonly pipelines = new Map<R, { tail: Promise<unknown>; queued: number }>();
  private readonly problems = new Map<R, string>();

  constructor(
    private readonly set: ReplicaSet<R>,
    private readonly options: ReplicaSyncOptions,
  ) {}

  /** The committed head (undefined: empty chain, or not the active writer). */
  get committed(): BlockRecord | undefined {
    return this.head;
  }

  private get committedHeight(): number {
    return this.head?.header.height ?? -1;
  }

  /** Holds the committed head and is fed every block. */
  isInSync(replica: R): boolean {
    return this.followers.has(replica) && (this.heights.get(replica) ?? -1) >= this.committedHeight;
  }

  get inSyncReplicas(): R[] {
    return this.set.members.filter((replica) => this.isInSync(replica));
  }

  /** Replicas a new block goes to. */
  get followingReplicas(): R[] {
    return this.set.members.filter((replica) => this.followers.has(replica));
  }

  isFollowing(replica: R): boolean {
    return this.followers.has(replica);
  }

  heightOf(replica: R): number | undefined {
    return this.heights.get(replica);
  }

  /** Why the last write to this replica failed. */
  problemOf(replica: R): string | undefined {
    return this.problems.get(replica);
  }

  isWriting(replica: R): boolean {
    return (this.pipelines.get(replica)?.queued ?? 0) > 0;
  }

  reset(committed?: BlockRecord): void {
    this.followers.clear();
    this.head = committed;
    this.heights.clear();
    this.acknowledged.clear();
    this.problems.clear();
  }

  /** After `block` committed, held by `holding`: followers without a writer session stop being fed. */
  committedOn(block: BlockRecord, holding: Iterable<R>): void {
    this.head = block;
    for (const replica of holding) this.nowInSync(replica, block.header.height);
    for (const replica of this.followers) if (!replica.holdsWriterLock) this.followers.delete(replica);
  }

  /**
   * Appends `blocks` to a follower after its earlier writes; false (and no longer a follower) when that
   * fails, times out, or the replica has too many writes queued.
   */
  async write(replica: R, blocks: readonly SealedBlock[]): Promise<boolean> {
    const pipeline = this.pipelines.get(replica) ?? { tail: Promise.resolve(), queued: 0 };
    this.pipelines.set(replica, pipeline);
    if (pipeline.queued >= MAX_QUEUED_WRITES) {
      this.drop(replica, `not keeping up: ${MAX_QUEUED_WRITES} block writes were waiting for it`, blocks);
      return false;
    }
    pipeline.queued += 1;
    const written = pipeline.tail.then(() => this.append(replica, blocks));
    pipeline.tail = written;
    try {
      return await written;
    } finally {
      pipeline.queued -= 1;
    }
  }

  private async append(replica: R, blocks: readonly SealedBlock[]): Promise<boolean> {
    // Dropped meanwhile: the rest of its queue must not leave a gap.
    if (!this.followers.has(replica)) return false;
    try {
      await replica.append(blocks);
      this.held(replica, blocks[blocks.length - 1].header.height);
      return true;
    } catch (error) {
      this.drop(replica, messageOf(error), blocks);
      return false;
    }
  }

  private drop(replica: R, problem: string, blocks: readonly SealedBlock[]): void {
    this.followers.delete(replica);
    this.problems.set(replica, problem);
    this.options.logger.warn({ replica: replica.name, height: blocks[blocks.length - 1].header.height, error: problem }, 'block write failed on a replica');
  }

  /**
   * Takes over the chain on the `locked` majority: adopts its head, then catches every locked replica
   * up, the head's holder first (in sync by definition: the others copy from it). Each catch-up step runs
   * through `exclusive`; a replica that fails, or loses its writer session meanwhile, is left for the retries.
   */
  async takeOver(locked: readonly R[], exclusive: <T>(job: () => Promise<T>) => Promise<T>, isCurrent: () => boolean): Promise<void> {
    const adopted = await this.adoptHead(locked);
    this.reset(adopted?.block);
    for (const replica of adopted ? [adopted.replica, ...locked.filter((other) => other !== adopted.replica)] : locked) {
      try {
        while (!(await exclusive(() => this.catchUpStep(replica)))) {
          if (!isCurrent()) return;
          // A step without a writer session answers at once: looping on it would starve the event loop.
          if (!replica.holdsWriterLock) break;
        }
      } catch (error) {
        this.options.logger.warn({ replica: replica.name, error: messageOf(error) }, 'replica not caught up at take-over');
      }
    }
  }

  /**
   * The head to continue from: the highest block among the locked majority whose header verifies.
   * Any committed block is on at least one replica of every majority, so nothing committed is lost; a
   * block written to a minority before a crash is adopted and completed, never rewritten differently.
   */
  private async adoptHead(locked: readonly R[]): Promise<{ block: BlockRecord; replica: R } | undefined> {
    const heads = await Promise.all(locked.map(async (replica) => ({ replica, head: await replica.head() })));
    heads.sort((a, b) => (b.head?.height ?? -1) - (a.head?.height ?? -1));
    for (const { replica, head } of heads) {
      if (head === undefined) return undefined;
      const [stored] = await replica.storedBlocks(head.height, head.height);
      const block = stored && this.verifiedRecord(stored);
      if (block) return { block, replica };
      // Catching this replica up drops that block and reports it.
      this.options.logger.warn({ replica: replica.name, height: head.height }, 'head block does not verify; not adopting it');
    }
    if (heads.length === 0) return undefined;
    // Never start a fresh chain over blocks that exist: a wrong key or a tampered quorum needs a human.
    throw new Error('no replica head verifies with the ledger key; refusing to write');
  }

  /**
   * One step of bringing `replica` to `committed`: drop what is not the chain (reported as tamper), then
   * copy up to CATCH_UP_BLOCKS verified blocks. True once it is in sync, or already holds `pending`.
   */
  async catchUpStep(replica: R, pending?: BlockRecord): Promise<boolean> {
    if (!replica.holdsWriterLock || this.isWriting(replica)) return false;
    const { committed } = this;
    const target = committed?.header.height ?? -1;
    const head = await replica.head();
    const height = head?.height ?? -1;
    this.heights.set(replica, height);
    const holds = (block?: BlockRecord) => (block === undefined ? head === undefined : head?.blockHash === block.blockHash && height === block.header.height);
    // A write reported as failed may still have committed.
    if (pending && holds(pending)) return true;
    const findings = [...this.removedBlocks(replica, height), ...(await this.orphanRows(replica, head))];
    const holdsHead = holds(committed);
    if (findings.length === 0 && holdsHead) return this.nowInSync(replica, target);
    // A replica holding the head (the one it was adopted from, say) is compared with nobody: others may lag.
    const source = holdsHead ? replica : this.sourceFor(replica);
    const common = holdsHead ? height : await this.commonHeight(replica, source, Math.min(height, target));
    if (height > common) findings.push(...(await this.divergentTail(replica, source, common, height)));
    if (height > common || findings.length > 0) {
      await replica.truncateAbove(common, await this.treeSizeAt(source, common, committed));
      this.acknowledged.set(replica, common);
      this.heights.set(replica, common);
      if (findings.length > 0) this.options.onTamper(replica, findings);
      this.options.logger.warn({ replica: replica.name, from: common + 1, to: height, findings: findings.length }, 'dropped what is not the committed chain');
    }
    if (common < target) {
      const to = Math.min(target, common + CATCH_UP_BLOCKS);
      await replica.append(await readVerifiedBlocks(source, common + 1, to, this.options.publicKey));
      this.held(replica, to);
      this.options.logger.info({ replica: replica.name, from: common + 1, to }, 'replica caught up from verified quorum data');
      if (to < target) return false;
    }
    return this.nowInSync(replica, target);
  }

  /** Verified copies of blocks from an in-sync replica, for repairs. */
  async verifiedBlocks(fromHeight: number, toHeight: number, except: R): Promise<SealedBlock[]> {
    let lastError: unknown = new Error('no in-sync replica to copy from');
    for (const source of this.inSyncReplicas.filter((replica) => replica !== except)) {
      try {
        return await readVerifiedBlocks(source, fromHeight, toHeight, this.options.publicKey);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  private held(replica: R, height: number): void {
    this.heights.set(replica, height);
    this.acknowledged.set(replica, Math.max(height, this.acknowledged.get(replica) ?? -1));
    this.problems.delete(replica);
  }

  private nowInSync(replica: R, height: number): true {
    this.held(replica, height);
    this.followers.add(replica);
    return true;
  }

  /** Blocks this replica acknowledged earlier and no longer holds: someone removed them. */
  private removedBlocks(replica: R, height: number): Finding[] {
    const acknowledged = this.acknowledged.get(replica) ?? -1;
    if (height >= acknowledged) return [];
    return [{ height: height + 1, row: 'block', problem: `blocks ${height + 1}..${acknowledged} were removed after the replica had stored them` }];
  }

  /** The highest height at which `replica` holds the same block as `source` (-1: none). */
  private async commonHeight(replica: R, source: R, from: number): Promise<number> {
    for (let top = from; top >= 0; top -= COMPARE_HEIGHTS) {
      const low = Math.max(0, top - COMPARE_HEIGHTS + 1);
      const [mine, theirs] = await Promise.all([replica.blockHashes(low, top), source.blockHashes(low, top)]);
      for (let h = top; h >= low; h -= 1) if (mine.get(h) !== undefined && mine.get(h) === theirs.get(h)) return h;
    }
    return -1;
  }

  /**
   * Blocks above the common height are not the chain. Genuine blocks that link on (signed with the ledger
   * key) are an earlier writer's uncommitted minority write, dropped as head adoption says; anything else
   * was not written by the ledger.
   */
  private async divergentTail(replica: R, source: R, common: number, height: number): Promise<Finding[]> {
    const [previous] = common >= 0 ? await source.storedBlocks(common, common) : [];
    const verifier = ChainVerifier.after(previous, this.options.publicKey);
    const [blocks, events] = await Promise.all([replica.storedBlocks(common + 1, height), replica.events(common + 1, height)]);
    const findings = blocks.flatMap((block) => verifier.check(block, events.filter((event) => event.height === block.height).map(checkedEvent)));
    if (findings.length === 0 && blocks.length === height - common) return [];
    return [
      {
        height: common + 1,
        row: 'block',
        problem: `a divergent tail of ${height - common} blocks is not the committed chain${findings[0] ? `: ${findings[0].problem}` : ''}`,
      },
    ];
  }

  /** Event rows no block of this replica holds (e.g. its head block row was deleted). */
  private async orphanRows(replica: R, head: ReplicaHead | undefined): Promise<Finding[]> {
    const [top] = head ? await replica.storedBlocks(head.height, head.height) : [];
    const treeSize = top ? Number(blockHeader.safeParse(top.header).data?.treeSize ?? 0) : 0;
    const strays = await replica.strayEvents(treeSize, head?.height ?? -1);
    if (strays.length === 0) return [];
    const [first] = strays;
    return [
      {
        height: first.height,
        row: `event leaf ${first.leafIndex}`,
        problem: `${strays.length}${strays.length === 100 ? '+' : ''} event rows belong to no block`,
      },
    ];
  }

  /** The tree size after block `height` of the chain, read from the source (in sync) or the committed head. */
  private async treeSizeAt(source: R, height: number, committed: BlockRecord | undefined): Promise<number> {
    if (height < 0) return 0;
    if (committed && committed.header.height === height) return committed.header.treeSize;
    const [stored] = await source.storedBlocks(height, height);
    const record = stored && this.verifiedRecord(stored);
    if (!record) throw new Error(`${source.name} has no verified block ${height}`);
    return record.header.treeSize;
  }

  /** A stored block whose hash and signature verify, as a record; undefined otherwise. */
  private verifiedRecord(stored: StoredBlock): BlockRecord | undefined {
    const parsed = blockHeader.safeParse(stored.header);
    if (!parsed.success || blockHashOf(parsed.data) !== stored.blockHash || !headerSignatureValid(parsed.data, stored.signature, this.options.publicKey))
      return undefined;
    return {
      header: parsed.data,
      blockHash: stored.blockHash,
      signature: stored.signature,
      checkpoint: stored.checkpoint,
      treeState: CompactRange.fromJSON(stored.treeState).toJSON(),
      cursor: stored.cursor,
    };
  }

  /** A replica holding the committed head to copy from and compare with: only an in-sync one (a lagging one would make good blocks look divergent). */
  private sourceFor(target: R): R {
    const source = this.inSyncReplicas.find((replica) => replica !== target);
    if (!source) throw new Error('no in-sync replica to copy from');
    return source;
  }
}
