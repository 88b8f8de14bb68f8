// Proofs from the tiled tree against real PostgreSQL: a replica holding a signed chain of 66,300 events (so tiles of
// levels 0-2, full and partial), the tiles in a service database of their own. Every proof verifies with the public
// key and equals the in-memory tree's; the tiles grow with the chain; leaves that do not give the signed root are
// never written; damaged tiles and another chain's tiles are dropped and rebuilt.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { MerkleTree, verifyConsistency, verifyProofBundle } from '@medshare/merkle';
import { openDatabase } from '@medshare/service-kit';
import { databaseUrl, testEndpoints } from '../../../../test/support/endpoints';
import type { SealedBlock } from '../block/sealed-block';
import { testBlocks } from '../block/test-chain.testing';
import { ProofIndex } from '../http/proof-index';
import { LedgerErrorCode } from '../ledger-error';
import { migrations } from '../migrations';
import type { QuorumView } from '../replica/quorum-view';
import { Replica } from '../replica/replica';
import { TiledTree } from './tiled-tree';
import { TileStore } from './tile-store';

const { stateServer, ledgerServers } = testEndpoints();
const run = randomUUID().replace(/-/g, '').slice(0, 8);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const databases: { server: string; name: string }[] = [];
const closers: (() => Promise<unknown>)[] = [];

async function replicaWith(chain: SealedBlock[], name: string): Promise<Replica> {
  databases.push({ server: ledgerServers[0], name });
  const replica = new Replica(0, databaseUrl(ledgerServers[0], name), () => undefined);
  closers.push(() => replica.close());
  expect(await replica.acquireWriterLock()).toBe(true);
  for (let i = 0; i < chain.length; i += 16) await replica.append(chain.slice(i, i + 16));
  await replica.releaseWriterLock();
  return replica;
}

async function serviceDatabase(name: string): Promise<DataSource> {
  databases.push({ server: stateServer, name });
  const dataSource = await openDatabase({ url: databaseUrl(stateServer, name), entities: [], migrations });
  closers.push(() => dataSource.destroy());
  return dataSource;
}

/** The read side of the quorum as the API sees it: this head, held by these replicas. */
function quorumAt(block: SealedBlock, holders: Replica[]): QuorumView {
  return { committedHead: async () => ({ block, holders }) } as unknown as QuorumView;
}

async function sql(server: string, database: string, text: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl(server, database) });
  await client.connect();
  await client.query(text);
  await client.end();
}

describe('ProofIndex over tiles', () => {
  const chain = testBlocks([...Array.from({ length: 66 }, () => 1000), 300], privateKey);
  const events = chain.flatMap((block) => block.events);
  const reference = new MerkleTree(events.map((event) => event.leafHash));
  const head = chain[chain.length - 1];
  let replica: Replica;
  let tiles: DataSource;

  beforeAll(async () => {
    replica = await replicaWith(chain, `ledger_p${run}`);
    tiles = await serviceDatabase(`ledger_state_p${run}`);
  }, 120_000);

  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined);
    for (const { server, name } of databases) await sql(server, 'postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('grows with the chain and serves proofs that verify and equal the in-memory tree', async () => {
    const early = chain[9];
    const atEarly = new ProofIndex(quorumAt(early, [replica]), new TiledTree(new TileStore(tiles)), publicKey);
    const bundle = await atEarly.proofOf(events[1234].eventId);
    expect(verifyProofBundle(bundle, publicKey)).toMatchObject({ ok: true, leafIndex: 1234, leafDataChecked: true });
    expect(bundle.auditPath).toEqual(reference.inclusionProof(1234, early.header.treeSize).map((hash) => hash.toString('hex')));
    expect((await new TileStore(tiles).state())?.size).toBe(early.header.treeSize);

    const proofs = new ProofIndex(quorumAt(head, [replica]), new TiledTree(new TileStore(tiles)), publicKey);
    for (const leaf of [0, 255, 256, 65_535, 65_536, events.length - 1]) {
      const proof = await proofs.proofOf(events[leaf].eventId);
      expect(verifyProofBundle(proof, publicKey)).toMatchObject({ ok: true, leafIndex: leaf });
      expect(proof.auditPath).toEqual(reference.inclusionProof(leaf).map((hash) => hash.toString('hex')));
    }
    expect((await new TileStore(tiles).state())?.size).toBe(events.length);

    for (const [size1, size2] of [
      [early.header.treeSize, head.header.treeSize],
      [1, 65_537],
      [65_536, head.header.treeSize],
    ]) {
      const answer = await proofs.consistency(size1, size2);
      expect(answer.proof).toEqual(reference.consistencyProof(size1, size2).map((hash) => hash.toString('hex')));
      const bytes = (hex: string) => Buffer.from(hex, 'hex');
      expect(verifyConsistency({ size1, size2, root1: bytes(answer.root1), root2: bytes(answer.root2), proof: answer.proof.map(bytes) }).ok).toBe(true);
    }
    await expect(proofs.consistency(2, events.length + 1)).rejects.toMatchObject({ code: LedgerErrorCode.InvalidRequest });
  }, 120_000);

  it('refuses a damaged tile (503) and rebuilds the tiles from the leaves before the next answer', async () => {
    const proofs = new ProofIndex(quorumAt(head, [replica]), new TiledTree(new TileStore(tiles)), publicKey);
    await sql(
      stateServer,
      `ledger_state_p${run}`,
      `UPDATE proof_tiles SET hashes = overlay(hashes placing '\\xff'::bytea from 73) WHERE level = 0 AND tile_index = 7`,
    );
    const leaf = 7 * 256 + 3;
    await expect(proofs.proofOf(events[leaf].eventId)).rejects.toMatchObject({ code: LedgerErrorCode.NoQuorum });
    const proof = await proofs.proofOf(events[leaf].eventId);
    expect(verifyProofBundle(proof, publicKey)).toMatchObject({ ok: true, leafIndex: leaf });
  }, 120_000);

  it("drops another chain's tiles and builds this chain's", async () => {
    const other = testBlocks([40, 60], privateKey);
    const otherReplica = await replicaWith(other, `ledger_q${run}`);
    const proofs = new ProofIndex(quorumAt(other[1], [otherReplica]), new TiledTree(new TileStore(tiles)), publicKey);
    const proof = await proofs.proofOf(other[1].events[10].eventId);
    expect(verifyProofBundle(proof, publicKey)).toMatchObject({ ok: true, leafIndex: 50 });
    expect((await new TileStore(tiles).state())?.size).toBe(100);
  }, 120_000);

  it('writes nothing from leaves that do not give the signed root, and answers 503', async () => {
    const name = `ledger_r${run}`;
    const other = testBlocks([40, 60], privateKey);
    const tampered = await replicaWith(other, name);
    await sql(ledgerServers[0], name, `UPDATE ledger_events SET leaf_hash = sha256(leaf_hash) WHERE leaf_index = 70`);
    const fresh = await serviceDatabase(`ledger_state_r${run}`);
    const proofs = new ProofIndex(quorumAt(other[1], [tampered]), new TiledTree(new TileStore(fresh)), publicKey);
    await expect(proofs.proofOf(other[0].events[3].eventId)).rejects.toMatchObject({ code: LedgerErrorCode.NoQuorum });
    // The step up to the second block's checkpoint did not give its root: none of it was written.
    expect(await new TileStore(fresh).state()).toBeUndefined();
  }, 120_000);
});
