// For tests that read a replica: a fresh database holding a chain exactly as the ledger's Replica writes it, a
// plain client to edit its rows, and the teardown that drops it.
import { Client } from 'pg';
import type { SealedBlock } from '../block/sealed-block';
import { Replica } from './replica';

export interface WrittenReplica {
  replica: Replica;
  client: Client;
  drop(): Promise<void>;
}

/** `url`: a database that does not exist yet (the Replica creates it); `adminUrl`: one to drop it from. */
export async function writtenReplica(url: string, adminUrl: string, chain: readonly SealedBlock[]): Promise<WrittenReplica> {
  const database = new URL(url).pathname.slice(1);
  const replica = new Replica(0, url, () => undefined);
  if (!(await replica.acquireWriterLock())) throw new Error(`no writer lock on the new database ${database}`);
  await replica.append(chain);
  const client = new Client({ connectionString: url });
  await client.connect();
  const drop = async () => {
    await client.end();
    await replica.close();
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  };
  return { replica, client, drop };
}

const flip = (column: string, byte: number, leaf: number) =>
  `UPDATE ledger_events SET ${column} = set_byte(${column}, ${byte}, get_byte(${column}, ${byte}) # 1) WHERE leaf_index = ${leaf}`;

/** Edits of single event rows of a chain of blocks of [700, 1300, 1, 2000] events, their undoing, and where a verifier finds each. */
export const ROW_EDITS = [
  { name: 'a flipped byte of an event', edit: flip('canonical', 30, 1500), undo: flip('canonical', 30, 1500), at: { height: 1, row: 'event leaf 1500' } },
  { name: 'an edited stored leaf hash', edit: flip('leaf_hash', 31, 700), undo: flip('leaf_hash', 31, 700), at: { height: 1, row: 'event leaf 700' } },
  {
    name: 'an edited event id',
    edit: "UPDATE ledger_events SET event_id = event_id || 'x' WHERE leaf_index = 2500",
    undo: 'UPDATE ledger_events SET event_id = left(event_id, -1) WHERE leaf_index = 2500',
    at: { height: 3, row: 'event leaf 2500' },
  },
  {
    name: 'a changed Kafka offset',
    edit: 'UPDATE ledger_events SET kafka_offset = kafka_offset + 5000 WHERE leaf_index = 10',
    undo: 'UPDATE ledger_events SET kafka_offset = kafka_offset - 5000 WHERE leaf_index = 10',
    at: { height: 0, row: 'event leaf 10' },
  },
];
