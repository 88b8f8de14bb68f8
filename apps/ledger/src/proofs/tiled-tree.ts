// The log's Merkle tree on disk (tile-store.ts): a proof fetches only the O(log n) tiles it reads (upper tiles stay
// in a bounded cache), and the tiles grow from a replica's leaf hashes a page at a time, one step per signed
// checkpoint, each step written only when its leaves give that checkpoint's root. Memory stays flat at any size.
import { HASH_SIZE, TileAppender, TileNodes, TreeView, nodesRead, tilesFor, type TileNeed, type TreeHead } from '@medshare/merkle';
import { tileKey, type StoredTile, type TileStore, type TreeState } from './tile-store';

/** Leaves per growth step at most (256 level-0 tiles, ~2 MB of hashes in one transaction). */
const STEP_LEAVES = 65_536;
/** Leaf hashes per read from a replica. */
const PAGE_LEAVES = 16_384;

export interface LeafSource {
  /** The leaf hashes [from, to), in order. */
  leafHashes(from: number, to: number): Promise<Buffer[]>;
  /**
   * A tree head after `from` that a signed checkpoint vouches for: the largest at most `limit`, else the first
   * above it; undefined when there is none.
   */
  signedHeadAfter(from: number, limit: number): Promise<TreeHead | undefined>;
}

export class TiledTree {
  // Recently read tiles, least recently used first. Full tiles never change; a partial one is read again when a
  // wider version is needed.
  private readonly cache = new Map<string, StoredTile>();

  constructor(
    private readonly store: TileStore,
    private readonly cachedTiles = 1024,
  ) {}

  /**
   * A view of the first `size` leaves that answers what `reads` asks of it: the tiles those nodes are in are
   * fetched first (their number is O(log n)), so asking it anything else throws.
   */
  async view(size: number, reads: (view: TreeView) => void): Promise<TreeView> {
    const tiles = new Map<string, StoredTile>();
    const missing: TileNeed[] = [];
    for (const need of tilesFor(nodesRead(size, reads))) {
      const tile = this.cached(need);
      if (tile) tiles.set(tileKey(need.level, need.index), tile);
      else missing.push(need);
    }
    for (const [key, tile] of await this.store.tiles(missing)) {
      tiles.set(key, tile);
      this.remember(key, tile);
    }
    return new TreeView(new TileNodes((level, index) => tiles.get(tileKey(level, index))), size);
  }

  /** Grows the tiles to at least `target` leaves from `source`; the state reached. Throws when a step's root is not the signed one. */
  async growTo(target: number, source: LeafSource): Promise<TreeState | undefined> {
    let state = await this.store.state();
    while ((state?.size ?? 0) < target) {
      const before = state?.size ?? 0;
      state = await this.store.grow(async (current, edge) => {
        const from = current?.size ?? 0;
        if (from >= target) return undefined;
        const head = await source.signedHeadAfter(from, Math.min(target, from + STEP_LEAVES));
        if (!head || head.size > target) throw new Error(`no signed checkpoint between ${from} and ${target} leaves`);
        const appender = new TileAppender(from, edge);
        for (let at = from; at < head.size; at += PAGE_LEAVES) {
          const to = Math.min(head.size, at + PAGE_LEAVES);
          const hashes = await source.leafHashes(at, to);
          if (hashes.length !== to - at) throw new Error(`leaves ${at}-${to} are not all there`);
          for (const hash of hashes) appender.append(hash);
        }
        const root = appender.root();
        if (!root.equals(head.rootHash)) throw new Error(`the leaves do not give the signed root at ${head.size} leaves`);
        return { tiles: appender.take(), state: { size: head.size, root } };
      });
      if ((state?.size ?? 0) <= before) throw new Error(`the tiles did not grow beyond ${before} leaves`);
    }
    return state;
  }

  /** Forgets every tile, stored and cached. */
  async clear(): Promise<void> {
    this.cache.clear();
    await this.store.clear();
  }

  private cached(need: TileNeed): StoredTile | undefined {
    const key = tileKey(need.level, need.index);
    const tile = this.cache.get(key);
    if (!tile || tile.hashes.length < need.width * HASH_SIZE) return undefined;
    this.remember(key, tile);
    return tile;
  }

  private remember(key: string, tile: StoredTile): void {
    this.cache.delete(key);
    this.cache.set(key, tile);
    if (this.cache.size > this.cachedTiles) this.cache.delete(this.cache.keys().next().value as string);
  }
}
