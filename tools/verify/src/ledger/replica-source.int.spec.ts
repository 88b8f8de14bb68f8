// The CLI's replica reading (event rows by binary COPY, ids read without JSON.parse) against a real replica
// database written by the ledger's own code: a clean chain verifies to the sealed tree head; a flipped byte of
// an event, an edited event id, a changed offset and a deleted row are each found at their leaf.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { databaseUrl, testEndpoints } from '../../../../test/support/endpoints';
// The replica is written by the ledger's own code: what the CLI must read is exactly what the ledger writes.
/* eslint-disable no-restricted-imports */
import { testBlocks } from '../../../../apps/ledger/src/block/test-chain.testing';
import { Replica } from '../../../../apps/ledger/src/replica/replica';
/* eslint-enable no-restricted-imports */
import { verifyLedger } from './ledger-verifier';
import { onReplicaSnapshot } from './replica-snapshot';

const server = testEndpoints().ledgerServers[0];
const database = `verify_t${randomUUID().replace(/-/g, '').slice(0, 8)}`;
const url = databaseUrl(server, database);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
// Enough rows that they span many of the stream's chunks.
const chain = testBlocks([700, 1300, 1, 2000], privateKey);

describe('medshare-verify replica reading', () => {
  let replica: Replica;
  let client: Client;
  const verify = () => onReplicaSnapshot(url, (source) => verifyLedger(source, publicKey));

  beforeAll(async () => {
    replica = new Replica(0, url, () => undefined);
    expect(await replica.acquireWriterLock()).toBe(true);
    await replica.append(chain);
    client = new Client({ connectionString: url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await replica?.close();
    const admin = new Client({ connectionString: databaseUrl(server, 'postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('verifies a clean chain to the tree head the ledger sealed', async () => {
    const head = chain[chain.length - 1].header;
    expect(await verify()).toMatchObject({ findings: [], height: 3, treeSize: 4001, treeRoot: head.treeRoot });
  });

  it.each([
    {
      name: 'a flipped byte of an event',
      edit: 'UPDATE ledger_events SET canonical = set_byte(canonical, 30, get_byte(canonical, 30) # 1) WHERE leaf_index = 1500',
      undo: 'UPDATE ledger_events SET canonical = set_byte(canonical, 30, get_byte(canonical, 30) # 1) WHERE leaf_index = 1500',
      finding: { height: 1, row: 'event leaf 1500', problem: 'leaf hash does not match the stored event bytes' },
    },
    {
      name: 'an edited stored leaf hash',
      edit: 'UPDATE ledger_events SET leaf_hash = set_byte(leaf_hash, 31, get_byte(leaf_hash, 31) # 1) WHERE leaf_index = 700',
      undo: 'UPDATE ledger_events SET leaf_hash = set_byte(leaf_hash, 31, get_byte(leaf_hash, 31) # 1) WHERE leaf_index = 700',
      finding: { height: 1, row: 'event leaf 700', problem: 'leaf hash does not match the stored event bytes' },
    },
    {
      name: 'an edited event id',
      edit: "UPDATE ledger_events SET event_id = event_id || 'x' WHERE leaf_index = 2500",
      undo: 'UPDATE ledger_events SET event_id = left(event_id, -1) WHERE leaf_index = 2500',
      finding: { height: 3, row: 'event leaf 2500', problem: 'event id does not match the stored event bytes' },
    },
    {
      name: 'a changed Kafka offset',
      edit: 'UPDATE ledger_events SET kafka_offset = kafka_offset + 5000 WHERE leaf_index = 10',
      undo: 'UPDATE ledger_events SET kafka_offset = kafka_offset - 5000 WHERE leaf_index = 10',
      finding: { height: 0, row: 'event leaf 10' },
    },
  ])('finds $name at its leaf, and nothing once it is undone', async ({ edit, undo, finding }) => {
    await client.query(edit);
    const { findings } = await verify();
    await client.query(undo);
    expect(findings[0]).toMatchObject(finding);
    expect((await verify()).findings).toEqual([]);
  });

  it('finds a deleted event row as missing', async () => {
    await client.query('DELETE FROM ledger_events WHERE leaf_index = 3999');
    expect((await verify()).findings).toContainEqual({ height: 3, row: 'event leaf 3999', problem: 'event row is missing' });
  });
});
