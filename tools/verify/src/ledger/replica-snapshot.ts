// Opens a replica read-only on one REPEATABLE READ snapshot: blocks a live ledger writes meanwhile stay
// out of sight, so what is verified or exported is one consistent chain.
import { Client } from 'pg';
import { ReplicaSource } from './replica-source';

export async function onReplicaSnapshot<T>(url: string, work: (source: ReplicaSource) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return await work(new ReplicaSource(client));
  } finally {
    await client.end();
  }
}
