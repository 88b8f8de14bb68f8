// The replica repository against a real PostgreSQL: binary COPY round trip, the writer lock that keeps a
// second instance out, the lease that frees it from a frozen holder (fenced), appends that refuse to leave a
// gap, a repair that restores edited rows, and block writes in two round trips whose rows sent ahead of the
// COPY are dropped when a statement fails.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { databaseUrl, testEndpoints } from '../../../../test/support/endpoints';
import { headOf, type SealedBlock } from '../block/sealed-block';
import { testBlocks } from '../block/test-chain.testing';
import { ChainVerifier } from '../verification/chain-verifier';
import { writeBlocks } from './block-write';
import { Replica } from './replica';

const server = testEndpoints().ledgerServers[0];
const database = `ledger_t${randomUUID().replace(/-/g, '').slice(0, 8)}`;
const url = databaseUrl(server, database);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const chainOf = (sizes: number[]): SealedBlock[] => testBlocks(sizes, privateKey);

async function verify(replica: Replica) {
  return replica.snapshot(async (reader) => {
    const top = (await reader.head())?.height ?? -1;
    const verifier = new ChainVerifier(publicKey);
    const [blocks, events] = await Promise.all([reader.storedBlocks(0, top), reader.checkedEvents(0, top)]);
    return blocks.flatMap((block) =>
      verifier.check(
        block,
        events.filter((event) => event.height === block.height),
      ),
    );
  });
}

describe('Replica', () => {
  const replicas: Replica[] = [];
  let written: SealedBlock[] = [];
  const open = () => {
    const replica = new Replica(0, url, () => undefined);
    replicas.push(replica);
    return replica;
  };

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    const admin = new Client({ connectionString: databaseUrl(server, 'postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('lets one writer hold the lock; a second gets it only after the first lets go', async () => {
    const first = open();
    const second = open();
    expect(await first.acquireWriterLock()).toBe(true);
    expect(await second.acquireWriterLock()).toBe(false);
    await first.releaseWriterLock();
    expect(await second.acquireWriterLock()).toBe(true);
    await second.releaseWriterLock();
  });

  it('stores blocks by binary COPY exactly as sealed, and reads back a chain that verifies', async () => {
    const replica = open();
    await replica.acquireWriterLock();
    const chain = chainOf([3, 2]);
    written = chain;
    await replica.append(chain);
    expect(await replica.head()).toEqual({ height: 1, blockHash: chain[1].blockHash });
    expect(await replica.events(0, 1)).toEqual(chain.flatMap((block) => block.events));
    expect(await verify(replica)).toEqual([]);
  });

  it('writes a group of blocks in two round trips: BEGIN, tip, COPY with its rows and INSERT in one, COMMIT in the other', async () => {
    const replica = replicas[replicas.length - 1];
    const next = testBlocks([2, 3], privateKey, { head: headOf(written[1]) });
    // The writer session's connection, to count the server's ReadyForQuery answers (one per round trip).
    const session = (replica as unknown as { session: Client }).session as Client & { connection: NodeJS.EventEmitter };
    let answers = 0;
    const count = () => (answers += 1);
    session.connection.on('readyForQuery', count);
    try {
      await replica.append(next);
    } finally {
      session.connection.off('readyForQuery', count);
    }
    expect(answers).toBe(2);
    expect(await replica.head()).toEqual({ height: 3, blockHash: next[1].blockHash });
    expect(await replica.events(2, 3)).toEqual(next.flatMap((block) => block.events));
    await replica.truncateAbove(1, 5);
  });

  it.each([
    { name: 'a statement before the COPY fails', before: 'SELECT 1/0', error: /division by zero/ },
    // Rows the replica already holds: the COPY itself fails on its first duplicate leaf index.
    { name: 'the COPY fails midway', before: 'SELECT 1', blocks: () => written, error: /duplicate key/ },
  ])('when $name, nothing is written, the rows sent ahead are dropped and the session goes on', async ({ before, blocks, error }) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const result = await writeBlocks(client, blocks?.() ?? testBlocks([2, 3], privateKey, { head: headOf(written[1]) }), before);
      expect(result.error?.message).toMatch(error);
      await client.query('ROLLBACK');
      // Answered as the next query, not confused by the CopyData the server dropped.
      expect((await client.query<{ n: number }>('SELECT 7 AS n')).rows).toEqual([{ n: 7 }]);
      expect((await client.query<{ n: string }>('SELECT count(*) AS n FROM ledger_events')).rows).toEqual([{ n: '5' }]);
    } finally {
      await client.end();
    }
  });

  it.each([
    { name: 'a block that skips a height', pick: (chain: SealedBlock[]) => chain[3] },
    {
      name: 'a block that does not link to the head',
      pick: (chain: SealedBlock[]) => ({ ...chain[2], header: { ...chain[2].header, previousHash: 'f'.repeat(64) } }),
    },
  ])('refuses to append $name', async ({ pick }) => {
    const replica = replicas[replicas.length - 1];
    await expect(replica.append([pick(chainOf([3, 2, 1, 1]))])).rejects.toThrow(/does not end at block/);
  });

  it('replaces an edited block with a verified copy and drops stray rows', async () => {
    const replica = replicas[replicas.length - 1];
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query(`UPDATE ledger_events SET canonical = canonical || '\\x20'::bytea WHERE leaf_index = 4`);
    await client.query(
      `INSERT INTO ledger_events SELECT 99, 7, event_id, event_type, topic, kafka_partition, kafka_offset, leaf_hash, canonical FROM ledger_events WHERE leaf_index = 0`,
    );
    await client.end();
    expect((await verify(replica))[0]).toMatchObject({ height: 1, row: 'event leaf 4' });
    await replica.replace([written[1]], { treeSize: 5, headHeight: 1 });
    expect(await verify(replica)).toEqual([]);
    expect(await replica.strayEvents(5, 1)).toEqual([]);
  });

  it('frees the lock when its holder stops renewing the lease (frozen), and the old holder can no longer write', async () => {
    await Promise.all(replicas.map((replica) => replica.releaseWriterLock()));
    const [holder, standby] = [0, 1].map(() => new Replica(0, url, () => undefined, 5000, 600));
    replicas.push(holder, standby);
    const next = testBlocks([2], privateKey, { head: headOf(written[1]) });
    expect(await holder.acquireWriterLock()).toBe(true);
    // Renewed every 200 ms: still held well past the lease.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await standby.acquireWriterLock()).toBe(false);

    // This thread stops as a SIGSTOPped writer would: no renewal, no I/O, for longer than the lease.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
    // Its first act on waking, before it has read anything from the server: a block write. Fenced.
    await expect(holder.append(next)).rejects.toThrow();
    expect(holder.holdsWriterLock).toBe(false);

    expect(await standby.acquireWriterLock()).toBe(true);
    await standby.append(next);
    expect(await standby.head()).toEqual({ height: 2, blockHash: next[0].blockHash });
    expect(await verify(standby)).toEqual([]);
  });
});
