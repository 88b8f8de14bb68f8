// The service's verification reading (event rows by binary COPY, each checked in the stream: the reading it shares
// with the auditor's CLI through @medshare/merkle) against a real replica: a clean chain verifies; an edited event
// byte, stored leaf hash, event id, event type, Kafka offset and header signature are each found at their row.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { databaseUrl, testEndpoints } from '../../../../test/support/endpoints';
import { testBlocks } from '../block/test-chain.testing';
import { ROW_EDITS, writtenReplica, type WrittenReplica } from '../replica/written-replica.testing';
import { ChainVerifier } from './chain-verifier';

const server = testEndpoints().ledgerServers[0];
const url = databaseUrl(server, `ledger_r${randomUUID().replace(/-/g, '').slice(0, 8)}`);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
// Enough rows that they span many of the stream's chunks.
const chain = testBlocks([700, 1300, 1, 2000], privateKey);

describe('verification reading of a replica', () => {
  let written: WrittenReplica;
  const verify = () =>
    written.replica.snapshot(async (reader) => {
      const verifier = new ChainVerifier(publicKey);
      const [blocks, events] = await Promise.all([reader.storedBlocks(0, 3), reader.checkedEvents(0, 3)]);
      return blocks.flatMap((block) =>
        verifier.check(
          block,
          events.filter((event) => event.height === block.height),
        ),
      );
    });

  beforeAll(async () => {
    written = await writtenReplica(url, databaseUrl(server, 'postgres'), chain);
  });

  afterAll(() => written?.drop());

  it('verifies a clean chain', async () => {
    expect(await verify()).toEqual([]);
  });

  it.each([
    ...ROW_EDITS,
    {
      name: 'an edited event type',
      edit: "UPDATE ledger_events SET event_type = 'keys.other.v1' WHERE leaf_index = 2000",
      undo: "UPDATE ledger_events SET event_type = 'keys.kek-rotated.v1' WHERE leaf_index = 2000",
      at: { height: 2, row: 'event leaf 2000', problem: 'event id or type does not match the stored event bytes' },
    },
    {
      name: 'a swapped header signature',
      edit: 'UPDATE ledger_blocks SET signature = (SELECT signature FROM ledger_blocks WHERE height = 0) WHERE height = 3',
      undo: `UPDATE ledger_blocks SET signature = '${chain[3].signature}' WHERE height = 3`,
      at: { height: 3, row: 'header', problem: 'signature does not verify with the ledger key' },
    },
  ])('finds $name at its row, and nothing once it is undone', async ({ edit, undo, at }) => {
    await written.client.query(edit);
    const findings = await verify();
    await written.client.query(undo);
    expect(findings[0]).toMatchObject(at);
    expect(await verify()).toEqual([]);
  });
});
