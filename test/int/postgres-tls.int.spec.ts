// PostgreSQL over TLS: a server of this run's own, started by infra/postgres/postgres.sh with its default TLS
// (certificate from the development CA Kafka uses too), answers `sslmode=verify-full` clients over TLS 1.3, and the
// services' database path (service-kit openDatabase: create, connect, migrate) works through it; a client that
// trusts another CA is refused before anything is sent.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { openDatabase } from '@medshare/service-kit';
import { selfSignedCertificate } from '../support/certificates';
import { freePorts } from '../support/ports';

const run = promisify(execFile);
const repoRoot = resolve(__dirname, '../..');
const script = resolve(repoRoot, 'infra/postgres/postgres.sh');
const name = `tls${randomBytes(3).toString('hex')}`;
const ca = resolve(repoRoot, '.data/secrets/ca.pem');

describe('PostgreSQL with TLS', () => {
  let port: number;
  let env: NodeJS.ProcessEnv;
  const url = (database: string, params: string) => `postgres://medshare@127.0.0.1:${port}/${database}?${params}`;

  beforeAll(async () => {
    [port] = await freePorts(29500, 29700, 1);
    env = { ...process.env, [`PG_${name.toUpperCase()}_PORT`]: String(port), [`PG_${name.toUpperCase()}_DATABASES`]: 'tls_check' };
    await run('bash', [script, 'start', name], { cwd: repoRoot, env, timeout: 120_000 });
  }, 150_000);

  afterAll(async () => {
    await run('bash', [script, 'stop', name], { cwd: repoRoot, env, timeout: 120_000 }).catch(() => undefined);
    rmSync(resolve(repoRoot, '.data/postgres', name), { recursive: true, force: true });
  }, 150_000);

  async function sessionOf(connectionString: string): Promise<{ ssl: boolean; version: string | null }> {
    const client = new Client({ connectionString, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      const { rows } = await client.query<{ ssl: boolean; version: string | null }>('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      return rows[0];
    } finally {
      await client.end();
    }
  }

  it('serves verify-full clients over TLS 1.3 with the development CA', async () => {
    expect(await sessionOf(url('tls_check', `sslmode=verify-full&sslrootcert=${ca}`))).toEqual({ ssl: true, version: 'TLSv1.3' });
  });

  it('carries a service database through TLS: created, connected, migrated', async () => {
    const dataSource = await openDatabase({ url: url('tls_service', `sslmode=verify-full&sslrootcert=${ca}`), entities: [], migrations: [] });
    try {
      const [row] = await dataSource.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(row).toEqual({ ssl: true });
    } finally {
      await dataSource.destroy();
    }
  });

  it('refuses a server whose certificate another CA must vouch for', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'medshare-other-ca-'));
    try {
      const otherCa = selfSignedCertificate(folder, 'ca', '/CN=another CA').cert;
      await expect(sessionOf(url('tls_check', `sslmode=verify-full&sslrootcert=${otherCa}`))).rejects.toThrow(/certificate/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
