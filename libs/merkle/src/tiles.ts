// The log's hashes as C2SP tlog-tiles (https://c2sp.org/tlog-tiles), the layout Sunlight and Tessera write: tiles of
// up to 256 hashes; a level-L tile holds hashes of perfect subtrees of 256^L leaves (level 0: the leaf hashes), so
// any node is one tile's slice, folded. A proof reads O(log n) tiles instead of the whole tree living in memory.
// Beside each tile its interior can be kept (the nodes folding it makes, computed anyway while appending): then a
// node is a lookup, where folding costs up to 128 hashes per node and ~255 per tile a proof crosses.
import { EMPTY_TREE_ROOT, HASH_SIZE, nodeHash } from './hashing';
import type { NodeId, NodeReader } from './tree-view';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;

/** A tile as stored: `hashes` are its width × 32 bytes, left to right (the standard tile). */
export interface Tile {
  level: number;
  index: number;
  hashes: Buffer;
  /** Its complete interior nodes, tile levels 1-7 one row after the other: row k holds ⌊width / 2^k⌋ hashes. */
  nodes?: Buffer;
}

/** Which tile, and how wide it must be at least, to give a node. */
export interface TileNeed {
  level: number;
  index: number;
  width: number;
}

export function tileWidth(tile: Tile): number {
  return tile.hashes.length / HASH_SIZE;
}

/** `tile/<L>/<N>[.p/<W>]`, N in zero-padded groups of three digits, all but the last prefixed with x. */
export function tilePath(level: number, index: number, width: number = TILE_WIDTH): string {
  const groups: string[] = [];
  let rest = index;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  const n = groups.map((group, i) => (i < groups.length - 1 ? `x${group}` : group)).join('/');
  return `tile/${level}/${n}${width === TILE_WIDTH ? '' : `.p/${width}`}`;
}

const TILE_PATH = /^tile\/(\d{1,2})\/((?:x\d{3}\/)*\d{3})(?:\.p\/(\d{1,3}))?$/;

/** The tile a hash tile path names; undefined for anything else, including non-canonical spellings. */
export function parseTilePath(path: string): TileNeed | undefined {
  const match = TILE_PATH.exec(path);
  if (!match) return undefined;
  const level = Number(match[1]);
  const index = Number(match[2].replaceAll('x', '').replaceAll('/', ''));
  const width = match[3] === undefined ? TILE_WIDTH : Number(match[3]);
  if (!Number.isSafeInteger(index) || width < 1 || width > TILE_WIDTH) return undefined;
  return tilePath(level, index, width) === path ? { level, index, width } : undefined;
}

/** The tile and slice a node is made of: the node's 2^k hashes at the tile level below it. */
export function tileOfNode({ level, index }: NodeId): TileNeed & { start: number; count: number } {
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const count = 2 ** (level % TILE_HEIGHT);
  const first = index * count;
  const start = first % TILE_WIDTH;
  return { level: tileLevel, index: Math.floor(first / TILE_WIDTH), width: start + count, start, count };
}

/** The tiles (at the widths needed) that hold the given nodes, one entry per tile. */
export function tilesFor(nodes: readonly NodeId[]): TileNeed[] {
  const needs = new Map<string, TileNeed>();
  for (const node of nodes) {
    const { level, index, width } = tileOfNode(node);
    const key = `${level}/${index}`;
    const known = needs.get(key);
    if (!known || known.width < width) needs.set(key, { level, index, width });
  }
  return [...needs.values()];
}

/** The partial tiles at the right edge of a tree of `size` leaves, which growing it rewrites. */
export function edgeTiles(size: number): TileNeed[] {
  const edges: TileNeed[] = [];
  for (let level = 0, entries = size; entries > 0; level += 1, entries = Math.floor(entries / TILE_WIDTH)) {
    const width = entries % TILE_WIDTH;
    if (width > 0) edges.push({ level, index: Math.floor(entries / TILE_WIDTH), width });
  }
  return edges;
}

/** Nodes of a tree read from tiles; `tile` gives the stored tile at (level, index), at least as wide as needed. */
export class TileNodes implements NodeReader {
  private readonly folded = new Map<string, Buffer>();

  constructor(private readonly tile: (level: number, index: number) => Pick<Tile, 'hashes' | 'nodes'> | undefined) {}

  node(level: number, index: number): Buffer {
    const need = tileOfNode({ level, index });
    const tile = this.tile(need.level, need.index);
    if (!tile || tile.hashes.length < need.width * HASH_SIZE) throw new RangeError(`tile ${tilePath(need.level, need.index, need.width)} is not at hand`);
    if (need.count === 1) return slot(tile.hashes, need.start);
    if (tile.nodes) return interiorNode(tile.hashes.length / HASH_SIZE, tile.nodes, level % TILE_HEIGHT, need.start / need.count);
    const key = `${level}/${index}`;
    const known = this.folded.get(key) ?? foldPerfect(tile.hashes, need.start, need.count);
    this.folded.set(key, known);
    return known;
  }
}

function slot(hashes: Buffer, i: number): Buffer {
  return hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
}

/** Node `index` of interior row `row` (1-7) of a tile of `width` hashes. */
function interiorNode(width: number, nodes: Buffer, row: number, index: number): Buffer {
  let offset = 0;
  for (let k = 1; k < row; k++) offset += Math.floor(width / 2 ** k);
  return slot(nodes, offset + index);
}

/** The root of the perfect subtree over `count` (a power of two) hashes of a tile from `start`. */
function foldPerfect(hashes: Buffer, start: number, count: number): Buffer {
  let row: Buffer[] = [];
  for (let i = start; i < start + count; i++) row.push(slot(hashes, i));
  while (row.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < row.length; i += 2) next.push(nodeHash(row[i], row[i + 1]));
    row = next;
  }
  return row[0];
}

interface EdgeLevel {
  /** Index of the tile being filled at this level. */
  index: number;
  entries: Buffer[];
  /** Interior rows 1-7 of the tile being filled: every complete node over `entries`. */
  interior: Buffer[][];
  /** The compact range of `entries`: one subtree root per set bit of their count, largest first. */
  stack: Buffer[];
  changed: boolean;
}

function emptyLevel(index: number): EdgeLevel {
  return { index, entries: [], interior: Array.from({ length: TILE_HEIGHT - 1 }, () => []), stack: [], changed: false };
}

function tileOf(level: number, state: EdgeLevel): Tile {
  return { level, index: state.index, hashes: Buffer.concat(state.entries), nodes: Buffer.concat(state.interior.flat()) };
}

/**
 * Grows a tiled tree leaf by leaf: each level's rightmost tile and its compact range are kept; a tile that
 * fills up becomes one hash of the level above. Amortised one node hash per leaf, memory O(levels · 256).
 */
export class TileAppender {
  private readonly levels: EdgeLevel[] = [];
  private readonly done: Tile[] = [];

  /** Resumes at `size` leaves from the right-edge tiles (`edgeTiles(size)`), as `edge` returns their hashes. */
  constructor(
    private leafCount: number,
    edge: (need: TileNeed) => Buffer,
  ) {
    for (let level = 0, entries = leafCount; entries > 0; level += 1, entries = Math.floor(entries / TILE_WIDTH)) {
      const width = entries % TILE_WIDTH;
      const state = emptyLevel(Math.floor(entries / TILE_WIDTH));
      const hashes = width > 0 ? edge({ level, index: state.index, width }) : Buffer.alloc(0);
      if (hashes.length !== width * HASH_SIZE) throw new RangeError(`edge tile ${tilePath(level, state.index, width)} must hold ${width} hashes`);
      for (let i = 0; i < width; i++) push(state, slot(hashes, i));
      this.levels.push(state);
    }
  }

  get size(): number {
    return this.leafCount;
  }

  append(leafHash: Buffer): void {
    if (leafHash.length !== HASH_SIZE) throw new RangeError(`leaf hash must be ${HASH_SIZE} bytes, got ${leafHash.length}`);
    this.leafCount += 1;
    let hash: Buffer | undefined = leafHash;
    for (let level = 0; hash !== undefined; level++) {
      const state = (this.levels[level] ??= emptyLevel(0));
      push(state, hash);
      state.changed = true;
      hash = undefined;
      if (state.entries.length === TILE_WIDTH) {
        this.done.push(tileOf(level, state));
        hash = state.stack[0];
        this.levels[level] = emptyLevel(state.index + 1);
      }
    }
  }

  /** MTH of every leaf so far: the compact ranges of all levels, largest subtree first, folded from the right. */
  root(): Buffer {
    const subtrees = [...this.levels].reverse().flatMap((state) => state.stack);
    if (subtrees.length === 0) return EMPTY_TREE_ROOT;
    let root = subtrees[subtrees.length - 1];
    for (let i = subtrees.length - 2; i >= 0; i--) root = nodeHash(subtrees[i], root);
    return root;
  }

  /** Tiles filled since the last call, then the partial tiles that changed (their new, wider versions). */
  take(): Tile[] {
    const tiles = this.done.splice(0);
    for (const [level, state] of this.levels.entries()) {
      if (!state.changed || state.entries.length === 0) continue;
      tiles.push(tileOf(level, state));
      state.changed = false;
    }
    return tiles;
  }
}

/** Appends an entry; each subtree it completes is folded into the compact range and is an interior node (the tile's root aside). */
function push(state: EdgeLevel, hash: Buffer): void {
  state.entries.push(hash);
  let node = hash;
  for (let rest = state.entries.length - 1, row = 0; rest % 2 === 1; rest = (rest - 1) / 2, row++) {
    node = nodeHash(state.stack.pop() as Buffer, node);
    state.interior[row]?.push(node);
  }
  state.stack.push(node);
}
