// The CLI's replica reading (event rows by binary COPY, ids read without JSON.parse) against a real replica
// database written by the ledger's own code: a clean chain verifies to the sealed tree head; a flipped byte of
// an event, an edited event id, a changed offset and a deleted row are each found at their leaf.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { databaseUrl, testEndpoints } from '../../../../test/support/endpoints';
// The replica is written by the ledger's own code: what the CLI must read is exactly what the ledger writes.
/* eslint-disable no-restricted-imports */
import { testBlocks } from '../../../../apps/ledger/src/block/test-chain.testing';
import { ROW_EDITS, writtenReplica, type WrittenReplica } from '../../../../apps/ledger/src/replica/written-replica.testing';
/* eslint-enable no-restricted-imports */
import { verifyLedger } from './ledger-verifier';
import { onReplicaSnapshot } from './replica-snapshot';

const server = testEndpoints().ledgerServers[0];
const url = databaseUrl(server, `verify_t${randomUUID().replace(/-/g, '').slice(0, 8)}`);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
// Enough rows that they span many of the stream's chunks.
const chain = testBlocks([700, 1300, 1, 2000], privateKey);

describe('medshare-verify replica reading', () => {
  let written: WrittenReplica;
  const verify = () => onReplicaSnapshot(url, (source) => verifyLedger(source, publicKey));

  beforeAll(async () => {
    written = await writtenReplica(url, databaseUrl(server, 'postgres'), chain);
  });

  afterAll(() => written?.drop());

  it('verifies a clean chain to the tree head the ledger sealed', async () => {
    const head = chain[chain.length - 1].header;
    expect(await verify()).toMatchObject({ findings: [], height: 3, treeSize: 4001, treeRoot: head.treeRoot });
  });

  // The problem each is named by, where the edit decides it.
  const problems: Record<string, string> = {
    'a flipped byte of an event': 'leaf hash does not match the stored event bytes',
    'an edited stored leaf hash': 'leaf hash does not match the stored event bytes',
    'an edited event id': 'event id does not match the stored event bytes',
  };
  it.each(ROW_EDITS.map((edit) => ({ ...edit, finding: { ...edit.at, ...(problems[edit.name] ? { problem: problems[edit.name] } : {}) } })))(
    'finds $name at its leaf, and nothing once it is undone',
    async ({ edit, undo, finding }) => {
      await written.client.query(edit);
      const { findings } = await verify();
      await written.client.query(undo);
      expect(findings[0]).toMatchObject(finding);
      expect((await verify()).findings).toEqual([]);
    },
  );

  it('finds a deleted event row as missing', async () => {
    await written.client.query('DELETE FROM ledger_events WHERE leaf_index = 3999');
    expect((await verify()).findings).toContainEqual({ height: 3, row: 'event leaf 3999', problem: 'event row is missing' });
  });
});
