// Tiled trees against the in-memory MerkleTree: grown in uneven steps (each step resuming from the stored edge
// tiles, as the ledger does after a restart), every root and proof read back from tiles is the same.
import { createHash } from 'node:crypto';
import { HASH_SIZE } from './hashing';
import { MerkleTree } from './merkle-tree';
import { edgeTiles, parseTilePath, TileAppender, TileNodes, tilePath, tilesFor, TILE_WIDTH, tileWidth, type Tile } from './tiles';
import { nodesRead, TreeView } from './tree-view';

function leafHashes(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => createHash('sha256').update(`leaf ${i}`).digest());
}

/** Tiles as a store keeps them: the widest version of each, written step by step from resumed appenders. */
function tiledStore(leaves: readonly Buffer[], steps: readonly number[]): { tiles: Map<string, Tile>; roots: Buffer[] } {
  const tiles = new Map<string, Tile>();
  const roots: Buffer[] = [];
  let size = 0;
  for (const end of steps) {
    const appender = new TileAppender(size, ({ level, index, width }) => (tiles.get(`${level}/${index}`) as Tile).hashes.subarray(0, width * HASH_SIZE));
    for (let i = size; i < end; i++) appender.append(leaves[i]);
    for (const tile of appender.take()) tiles.set(`${tile.level}/${tile.index}`, tile);
    roots.push(appender.root());
    size = end;
  }
  return { tiles, roots };
}

describe('tile paths', () => {
  it('encodes the index in groups of three digits and partial tiles with their width', () => {
    expect(tilePath(0, 1234067)).toBe('tile/0/x001/x234/067');
    expect(tilePath(2, 0, 5)).toBe('tile/2/000.p/5');
    expect(tilePath(1, 1000, 255)).toBe('tile/1/x001/000.p/255');
  });

  it('parses what it encodes and nothing else', () => {
    expect(parseTilePath('tile/0/x001/x234/067')).toEqual({ level: 0, index: 1234067, width: 256 });
    expect(parseTilePath('tile/3/000.p/17')).toEqual({ level: 3, index: 0, width: 17 });
    for (const bad of [
      'tile/0/1',
      'tile/0/x000/001',
      'tile/0/001.p/0',
      'tile/0/001.p/256',
      'tile/0/001.p/07',
      'tile/entries/000',
      'tile/0/x1/000',
      '/tile/0/000',
    ])
      expect(parseTilePath(bad)).toBeUndefined();
  });

  it('names the right-edge partial tiles of a size', () => {
    expect(edgeTiles(0)).toEqual([]);
    expect(edgeTiles(256)).toEqual([{ level: 1, index: 0, width: 1 }]);
    expect(edgeTiles(256 * 256 + 3)).toEqual([
      { level: 0, index: 256, width: 3 },
      { level: 2, index: 0, width: 1 },
    ]);
  });
});

describe('tiled trees', () => {
  const size = 256 * 256 + 256 * 3 + 17;
  const leaves = leafHashes(size);
  const reference = new MerkleTree(leaves);
  const steps = [1, 255, 256, 300, 1000, 65_535, 65_536, 65_537, 66_000, size];
  const { tiles, roots } = tiledStore(leaves, steps);

  it('writes full tiles of 256 hashes and one partial tile per level at the edge', () => {
    const tile = (key: string) => tiles.get(key) as Tile;
    expect(tile('0/0').hashes.length).toBe(TILE_WIDTH * HASH_SIZE);
    expect(tile('0/0').nodes?.length).toBe((TILE_WIDTH / 2 - 1) * 2 * HASH_SIZE);
    expect(tile('1/0').hashes.length).toBe(TILE_WIDTH * HASH_SIZE);
    expect(tileWidth(tile('0/259'))).toBe(17);
    // 17 hashes: 8 complete pairs, 4 quads, 2 of 8, 1 of 16.
    expect(tile('0/259').nodes?.length).toBe(15 * HASH_SIZE);
    expect(tileWidth(tile('1/1'))).toBe(3);
    expect(tileWidth(tile('2/0'))).toBe(1);
  });

  it('gives the root of every step as the in-memory tree does', () => {
    steps.forEach((step, i) => expect(roots[i].equals(reference.root(step))).toBe(true));
  });

  it.each([
    { kept: 'with their interior nodes', keep: (tile: Tile) => tile },
    { kept: 'as standard tiles only (folded when read)', keep: ({ hashes }: Tile) => ({ hashes }) },
  ])('answers roots, inclusion and consistency proofs from only the tiles the query needs, $kept', ({ keep }) => {
    const queries: [number, number, number][] = [
      [0, 1, 1],
      [5, 300, 300],
      [255, 256, 65_537],
      [65_535, 65_536, size],
      [size - 1, 66_000, size],
      [12_345, 65_537, size - 1],
    ];
    for (const [leaf, size1, size2] of queries) {
      const query = (view: TreeView) => [
        view.root(size1),
        view.root(size2),
        view.leafHash(leaf),
        view.inclusionProof(leaf, size2),
        view.consistencyProof(size1, size2),
      ];
      const needs = tilesFor(nodesRead(size2, query));
      const fetched = new Map(needs.map(({ level, index }) => [`${level}/${index}`, keep(tiles.get(`${level}/${index}`) as Tile)]));
      const [root1, root2, hash, inclusion, consistency] = query(new TreeView(new TileNodes((level, index) => fetched.get(`${level}/${index}`)), size2));
      expect(needs.length).toBeLessThanOrEqual(12);
      expect(root1).toEqual(reference.root(size1));
      expect(root2).toEqual(reference.root(size2));
      expect(hash).toEqual(reference.leafHash(leaf));
      expect(inclusion).toEqual(reference.inclusionProof(leaf, size2));
      expect(consistency).toEqual(reference.consistencyProof(size1, size2));
    }
  });

  it('refuses a node whose tile was not fetched, or not wide enough', () => {
    const narrow = { hashes: (tiles.get('0/0') as Tile).hashes.subarray(0, 10 * HASH_SIZE) };
    const view = new TreeView(new TileNodes((level, index) => (level === 0 && index === 0 ? narrow : undefined)), size);
    expect(view.leafHash(3)).toEqual(leaves[3]);
    expect(() => view.leafHash(10)).toThrow('tile tile/0/000.p/11 is not at hand');
    expect(() => view.leafHash(300)).toThrow(RangeError);
  });

  it('refuses to resume from an edge tile of the wrong width', () => {
    expect(() => new TileAppender(300, () => Buffer.alloc(3 * HASH_SIZE))).toThrow('edge tile tile/0/001.p/44 must hold 44 hashes');
  });
});
