// In-memory replicas for the writer's unit tests: they keep a chain like a replica database does (the
// append refuses a gap, leaf indexes are unique) and can be made to fail, lag, hang or be tampered with.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import pino from 'pino';
import type { Logger } from '@medshare/service-kit';
import { EMPTY_CHAIN, type ChainHead, type EventRow, type SealedBlock } from '../block/sealed-block';
import { testBlocks } from '../block/test-chain.testing';
import type { ChainReplica, ReplicaHead } from '../replica/replica-set';
import type { StoredBlock } from '../verification/chain-verifier';

export const ledgerKey = generateKeyPairSync('ed25519');

/** `count` consecutive blocks of `size` events after `head`, signed with `privateKey`. */
export function blocksAfter(head: ChainHead, count: number, size = 3, privateKey: KeyObject = ledgerKey.privateKey): SealedBlock[] {
  return testBlocks(Array<number>(count).fill(size), privateKey, { head, time: new Date(0) });
}

export const chainOf = (count: number): SealedBlock[] => blocksAfter(EMPTY_CHAIN, count);

export type Behaviour = 'ok' | 'fail' | 'hang' | { lagMs: number };

export class MemoryReplica implements ChainReplica {
  readonly address: string;
  holdsWriterLock = false;
  /** What the next appends do; `hang` never answers and costs the session after `timeoutMs`, like a frozen server. */
  behaviour: Behaviour = 'ok';
  /** False: the server is down (every call fails). */
  up = true;
  readonly blocks = new Map<number, StoredBlock>();
  readonly rows = new Map<number, EventRow>();
  appends = 0;

  constructor(
    readonly name: string,
    private readonly timeoutMs = 200,
  ) {
    this.address = `memory/${name}`;
  }

  /** A replica already holding `blocks`. */
  static holding(name: string, blocks: readonly SealedBlock[]): MemoryReplica {
    const replica = new MemoryReplica(name);
    for (const block of blocks) replica.store(block);
    return replica;
  }

  store(block: SealedBlock): void {
    const { header, blockHash, signature, checkpoint, treeState, cursor } = block;
    this.blocks.set(header.height, { height: header.height, header, blockHash, signature, checkpoint, treeState, cursor });
    for (const event of block.events) this.rows.set(event.leafIndex, event);
  }

  get height(): number {
    return Math.max(-1, ...this.blocks.keys());
  }

  async acquireWriterLock(): Promise<boolean> {
    this.reachable();
    this.holdsWriterLock = true;
    return true;
  }

  async releaseWriterLock(): Promise<void> {
    this.holdsWriterLock = false;
  }

  async head(): Promise<ReplicaHead | undefined> {
    this.reachable();
    const top = this.blocks.get(this.height);
    return top && { height: top.height, blockHash: top.blockHash };
  }

  async blockHashes(fromHeight: number, toHeight: number): Promise<Map<number, string>> {
    return new Map((await this.storedBlocks(fromHeight, toHeight)).map((block) => [block.height, block.blockHash]));
  }

  async storedBlocks(fromHeight: number, toHeight: number): Promise<StoredBlock[]> {
    this.reachable();
    return [...this.blocks.values()].filter((block) => block.height >= fromHeight && block.height <= toHeight).sort((a, b) => a.height - b.height);
  }

  async events(fromHeight: number, toHeight: number): Promise<EventRow[]> {
    this.reachable();
    return [...this.rows.values()]
      .filter((row) => row.height >= fromHeight && row.height <= toHeight)
      .sort((a, b) => a.height - b.height || a.leafIndex - b.leafIndex);
  }

  async strayEvents(treeSize: number, headHeight: number): Promise<{ leafIndex: number; height: number }[]> {
    this.reachable();
    return [...this.rows.values()].filter((row) => row.leafIndex >= treeSize || row.height > headHeight || row.height < 0).slice(0, 100);
  }

  async append(blocks: readonly SealedBlock[]): Promise<void> {
    this.appends += 1;
    await this.answer();
    const top = this.blocks.get(this.height);
    const first = blocks[0].header;
    if (this.height !== first.height - 1 || (top && top.blockHash !== first.previousHash))
      throw new Error(`${this.name} does not end at block ${first.height - 1} of the chain`);
    for (const row of blocks.flatMap((block) => block.events))
      if (this.rows.has(row.leafIndex)) throw new Error('duplicate key value violates unique constraint "ledger_events_pkey"');
    for (const block of blocks) this.store(block);
  }

  async truncateAbove(height: number, treeSize: number): Promise<void> {
    await this.answer();
    for (const key of [...this.blocks.keys()]) if (key > height) this.blocks.delete(key);
    for (const [key, row] of [...this.rows]) if (row.height > height || row.leafIndex >= treeSize || row.height < 0) this.rows.delete(key);
  }

  private reachable(): void {
    if (!this.up) throw new Error(`${this.name}: connection refused`);
  }

  private async answer(): Promise<void> {
    this.reachable();
    if (!this.holdsWriterLock) throw new Error(`${this.name}: no writer session`);
    const { behaviour } = this;
    if (behaviour === 'fail') throw new Error(`${this.name}: write failed`);
    if (behaviour === 'hang') {
      await sleep(this.timeoutMs);
      this.holdsWriterLock = false;
      throw new Error(`${this.name}: no answer within ${this.timeoutMs} ms`);
    }
    if (behaviour !== 'ok') await sleep(behaviour.lagMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A logger that keeps what was logged (level and message), to assert on. */
export function memoryLogger(): { logger: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, lines };
}
