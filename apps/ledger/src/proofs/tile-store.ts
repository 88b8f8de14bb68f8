// The proof tiles in the ledger's service database (migration 1765000000000): read by (level, index), grown in
// one transaction per step under a row lock, so ledger instances sharing the database never interleave a step.
import type { DataSource, EntityManager } from 'typeorm';
import { HASH_SIZE, edgeTiles, type Tile, type TileNeed } from '@medshare/merkle';

export type StoredTile = Required<Pick<Tile, 'hashes' | 'nodes'>>;

export interface TreeState {
  size: number;
  root: Buffer;
}

/** One growth step: given where the tiles end and their edge tiles, the tiles it wrote and where they end then. */
export type GrowStep = (state: TreeState | undefined, edge: (need: TileNeed) => Buffer) => Promise<{ tiles: Tile[]; state: TreeState } | undefined>;

export function tileKey(level: number, index: number): string {
  return `${level}/${index}`;
}

export class TileStore {
  constructor(private readonly db: DataSource) {}

  async state(): Promise<TreeState | undefined> {
    return stateIn(this.db.manager);
  }

  /** The stored tiles among `needs`, each as wide as stored (at least as wide as needed, or it is left out). */
  async tiles(needs: readonly TileNeed[]): Promise<Map<string, StoredTile>> {
    return tilesIn(this.db.manager, needs);
  }

  /**
   * Runs one growth step on the current state and edge tiles, holding the state's row lock: its tiles and new
   * state are written together, or nothing is when it returns undefined or throws.
   */
  async grow(step: GrowStep): Promise<TreeState | undefined> {
    return this.db.transaction(async (manager) => {
      await manager.query('INSERT INTO proof_tree (id, tree_size, root) VALUES (1, 0, $1) ON CONFLICT (id) DO NOTHING', [Buffer.alloc(0)]);
      const state = await stateIn(manager, 'FOR UPDATE');
      const needs = edgeTiles(state?.size ?? 0);
      const edges = await tilesIn(manager, needs);
      const grown = await step(state, ({ level, index, width }) =>
        (edges.get(tileKey(level, index))?.hashes ?? Buffer.alloc(0)).subarray(0, width * HASH_SIZE),
      );
      if (!grown) return state;
      await writeTiles(manager, grown.tiles);
      await manager.query('UPDATE proof_tree SET tree_size = $1, root = $2 WHERE id = 1', [grown.state.size, grown.state.root]);
      return grown.state;
    });
  }

  /** Forgets every tile (they belong to another chain, or do not give the signed roots): the next growth starts at 0. */
  async clear(): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.query('DELETE FROM proof_tree');
      await manager.query('DELETE FROM proof_tiles');
    });
  }
}

async function stateIn(manager: EntityManager, lock: '' | 'FOR UPDATE' = ''): Promise<TreeState | undefined> {
  const rows: { tree_size: string; root: Buffer }[] = await manager.query(`SELECT tree_size, root FROM proof_tree WHERE id = 1 ${lock}`);
  const size = Number(rows[0]?.tree_size ?? 0);
  return size === 0 ? undefined : { size, root: rows[0].root };
}

async function tilesIn(manager: EntityManager, needs: readonly TileNeed[]): Promise<Map<string, StoredTile>> {
  if (needs.length === 0) return new Map();
  const rows: { level: number; tile_index: string; hashes: Buffer; nodes: Buffer }[] = await manager.query(
    'SELECT t.level, t.tile_index, t.hashes, t.nodes FROM proof_tiles t JOIN unnest($1::smallint[], $2::bigint[]) AS n(level, tile_index) USING (level, tile_index)',
    [needs.map((need) => need.level), needs.map((need) => need.index)],
  );
  const widths = new Map(needs.map((need) => [tileKey(need.level, need.index), need.width]));
  return new Map(
    rows
      .map((row) => [tileKey(row.level, Number(row.tile_index)), { hashes: row.hashes, nodes: row.nodes }] as const)
      .filter(([key, tile]) => tile.hashes.length >= (widths.get(key) ?? 0) * HASH_SIZE),
  );
}

/** Upserts tiles; a stored tile is only ever replaced by a wider version of itself. */
async function writeTiles(manager: EntityManager, tiles: readonly Tile[]): Promise<void> {
  if (tiles.length === 0) return;
  await manager.query(
    `INSERT INTO proof_tiles (level, tile_index, hashes, nodes) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[], $4::bytea[])
     ON CONFLICT (level, tile_index) DO UPDATE SET hashes = EXCLUDED.hashes, nodes = EXCLUDED.nodes WHERE length(proof_tiles.hashes) < length(EXCLUDED.hashes)`,
    [tiles.map((tile) => tile.level), tiles.map((tile) => tile.index), tiles.map((tile) => tile.hashes), tiles.map((tile) => tile.nodes ?? Buffer.alloc(0))],
  );
}
