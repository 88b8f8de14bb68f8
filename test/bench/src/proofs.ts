// Proofs at scale: a ledger of BENCH_PROOFS_LEAVES leaves (10 million by default) as the ledger's own tile code
// (apps/ledger/src/proofs) stores it in PostgreSQL, then inclusion and consistency proofs at the full size, each
// read from the tiles and verified against the root, p50/p99, and this process's RSS before and after.
// Fast path, not through Kafka: synthetic leaf hashes are fed straight to TiledTree.growTo (the step the ledger
// runs from a replica's leaf_hash column, with each step checked against a root the bench computes independently
// with a CompactRange), so no events table, blocks or signatures are written. The event lookup a real proof adds
// is one index probe on ledger_events.event_id; it is not measured here.
import { randomUUID } from 'node:crypto';
import { CompactRange, verifyConsistency, verifyInclusion, type TreeHead } from '@medshare/merkle';
import { openDatabase } from '@medshare/service-kit';
import { migrations } from '../../../apps/ledger/src/migrations';
import { TiledTree, type LeafSource } from '../../../apps/ledger/src/proofs/tiled-tree';
import { TileStore } from '../../../apps/ledger/src/proofs/tile-store';
import { databaseUrl, dropDatabase, testEndpoints } from '../../support/endpoints';
import { percentile, type BenchResult } from './bench-result';

const LEAVES = Number(process.env.BENCH_PROOFS_LEAVES ?? 10_000_000);
const QUERIES = Number(process.env.BENCH_PROOFS_QUERIES ?? 2_000);
const MiB = 1024 * 1024;

export async function run(): Promise<BenchResult[]> {
  const { stateServer } = testEndpoints();
  const database = `bench_tiles_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
  const dataSource = await openDatabase({ url: databaseUrl(stateServer, database), entities: [], migrations });
  try {
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const tree = new TiledTree(new TileStore(dataSource));
    const reference = CompactRange.empty();
    const started = performance.now();
    await tree.growTo(LEAVES, syntheticLeaves(reference));
    const buildSeconds = (performance.now() - started) / 1000;
    const root = reference.root();
    global.gc?.();
    const rssBuilt = process.memoryUsage().rss;

    // The floor under every uncached proof: one round trip to the same PostgreSQL, same pool, same moment.
    const roundTrip = await timed(QUERIES, async () => {
      await dataSource.query('SELECT 1');
    });
    const random = seeded(7);
    const inclusion = await timed(QUERIES, async () => {
      const leaf = Math.floor(random() * LEAVES);
      const view = await tree.view(LEAVES, (v) => [v.leafHash(leaf), v.inclusionProof(leaf)]);
      const claim = { leafIndex: leaf, treeSize: LEAVES, leafHash: view.leafHash(leaf), proof: view.inclusionProof(leaf), rootHash: root };
      if (!verifyInclusion(claim).ok) throw new Error(`inclusion proof of leaf ${leaf} does not verify`);
    });
    // The same over leaves of 256 level-0 tiles only, all in the cache after the first pass: the CPU part alone.
    const cachedInclusion = await timed(QUERIES, async () => {
      const leaf = Math.floor(random() * 256 * 256);
      const view = await tree.view(LEAVES, (v) => [v.leafHash(leaf), v.inclusionProof(leaf)]);
      if (!verifyInclusion({ leafIndex: leaf, treeSize: LEAVES, leafHash: view.leafHash(leaf), proof: view.inclusionProof(leaf), rootHash: root }).ok)
        throw new Error(`inclusion proof of leaf ${leaf} does not verify`);
    });
    const consistency = await timed(QUERIES, async () => {
      const size1 = 1 + Math.floor(random() * (LEAVES - 1));
      const view = await tree.view(LEAVES, (v) => [v.root(size1), v.consistencyProof(size1)]);
      const claim = { size1, size2: LEAVES, root1: view.root(size1), root2: root, proof: view.consistencyProof(size1) };
      if (!verifyConsistency(claim).ok) throw new Error(`consistency proof from ${size1} does not verify`);
    });
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;
    const { tiles, megabytes } = await tableSize(dataSource);
    const memory = `RSS ${mib(rssBefore)} MiB before, ${mib(rssBuilt)} after building, ${mib(rssAfter)} after ${2 * QUERIES} proofs`;
    return [
      {
        name: `tiles built, ${LEAVES} leaves`,
        events: LEAVES,
        eventsPerSecond: LEAVES / buildSeconds,
        notes: `${buildSeconds.toFixed(1)} s, ${tiles} tiles, ${megabytes} MiB in PostgreSQL; ${memory}`,
      },
      { name: `inclusion proof at ${LEAVES}`, events: QUERIES, ...inclusion, notes: memory },
      { name: `inclusion proof at ${LEAVES}, tiles cached`, events: QUERIES, ...cachedInclusion },
      { name: 'PostgreSQL round trip (SELECT 1)', events: QUERIES, ...roundTrip },
      { name: `consistency proof to ${LEAVES}`, events: QUERIES, ...consistency },
    ];
  } finally {
    await dataSource.destroy();
    if (!process.env.BENCH_PROOFS_KEEP) await dropDatabase(stateServer, database);
  }
}

/** Deterministic pseudo-random leaf hashes (xorshift by index), with checkpoints every 1,000 leaves as blocks would sign. */
function syntheticLeaves(reference: CompactRange): LeafSource {
  const leafAt = (index: number): Buffer => {
    const hash = Buffer.allocUnsafe(32);
    let x = (index + 1) * 2654435761;
    for (let i = 0; i < 8; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      hash.writeInt32LE(x | 0, i * 4);
    }
    return hash;
  };
  return {
    leafHashes: async (from, to) => Array.from({ length: to - from }, (_, i) => leafAt(from + i)),
    signedHeadAfter: async (from, limit): Promise<TreeHead> => {
      const size = limit === LEAVES ? LEAVES : Math.max(from + 1, limit - (limit % 1000));
      while (reference.size < size) reference.append(leafAt(reference.size));
      return reference.treeHead();
    },
  };
}

async function timed(count: number, work: () => Promise<void>): Promise<Pick<BenchResult, 'eventsPerSecond' | 'p50Ms' | 'p99Ms'>> {
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const at = performance.now();
    await work();
    samples.push(performance.now() - at);
  }
  return { eventsPerSecond: count / ((performance.now() - started) / 1000), p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) };
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

async function tableSize(dataSource: Awaited<ReturnType<typeof openDatabase>>): Promise<{ tiles: number; megabytes: number }> {
  const [row] = (await dataSource.query("SELECT count(*)::int AS tiles, pg_total_relation_size('proof_tiles') AS bytes FROM proof_tiles")) as {
    tiles: number;
    bytes: string;
  }[];
  return { tiles: row.tiles, megabytes: Math.round(Number(row.bytes) / MiB) };
}

function mib(bytes: number): number {
  return Math.round(bytes / MiB);
}
