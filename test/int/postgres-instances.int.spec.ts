// Every PostgreSQL instance the platform runs (service state and each ledger replica) accepts writes and reads.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ensureDatabase } from '@medshare/service-kit';
import { databaseUrl, testEndpoints } from '../support/endpoints';

const { stateServer, ledgerServers } = testEndpoints();

describe.each([['service state', stateServer], ...ledgerServers.map((server, index) => [`ledger replica ${index + 1}`, server] as [string, string])])(
  'PostgreSQL instance: %s',
  (_name, server) => {
    it('creates a database, writes a row and reads it back', async () => {
      const url = databaseUrl(server, 'harness_check');
      await ensureDatabase(url);
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('CREATE TABLE IF NOT EXISTS harness_check (id uuid PRIMARY KEY, written_at timestamptz NOT NULL)');
        const id = randomUUID();
        await client.query('INSERT INTO harness_check (id, written_at) VALUES ($1, now())', [id]);
        const read = await client.query('SELECT id FROM harness_check WHERE id = $1', [id]);
        expect(read.rows).toEqual([{ id }]);
        const server = await client.query<{ port: string }>("SELECT current_setting('port') AS port");
        expect(server.rows[0].port).toBe(new URL(url).port);
      } finally {
        await client.end();
      }
    });
  },
);
