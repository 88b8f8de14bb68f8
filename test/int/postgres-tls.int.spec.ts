// PostgreSQL over TLS: a server of this run's own, started by infra/postgres/postgres.sh with its default TLS
// (certificate from the development CA Kafka uses too), answers `sslmode=verify-full` clients over TLS 1.3, and the
// services' database path (service-kit openDatabase: create, connect, migrate) works through it; a client that
// trusts another CA is refused before anything is sent. The start writes .data/postgres/client.env, with which a URL
// that names no sslmode (the services' defaults under `npm start`) gets the same verified TLS.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

  /** The TLS session of a client process with `env` (and nothing of this process's PG* or CA settings). */
  async function sessionInProcess(connectionString: string, env: Record<string, string>): Promise<{ ssl: boolean; version: string | null }> {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PG') && name !== 'NODE_EXTRA_CA_CERTS'));
    const script = `const { Client } = require('pg');
      const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 10000 });
      client.connect()
        .then(() => client.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()'))
        .then(({ rows }) => { process.stdout.write(JSON.stringify(rows[0])); return client.end(); });`;
    const { stdout } = await run(process.execPath, ['-e', script, connectionString], { cwd: repoRoot, env: { ...inherited, ...env }, timeout: 30_000 });
    return JSON.parse(stdout) as { ssl: boolean; version: string | null };
  }

  it('gives a client whose URL names no sslmode verified TLS 1.3 through client.env, as `npm start` gives the services', async () => {
    const clientEnv = Object.fromEntries(
      readFileSync(resolve(repoRoot, '.data/postgres/client.env'), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(clientEnv).toEqual({ PGSSLMODE: 'verify-full', NODE_EXTRA_CA_CERTS: ca });
    const plain = url('tls_check', '').replace(/\?$/, '');
    expect(await sessionInProcess(plain, {})).toEqual({ ssl: false, version: null });
    expect(await sessionInProcess(plain, clientEnv)).toEqual({ ssl: true, version: 'TLSv1.3' });
    const folder = mkdtempSync(join(tmpdir(), 'medshare-other-ca-'));
    try {
      const otherCa = selfSignedCertificate(folder, 'ca', '/CN=another CA').cert;
      await expect(sessionInProcess(plain, { ...clientEnv, NODE_EXTRA_CA_CERTS: otherCa })).rejects.toThrow(/certificate/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
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
