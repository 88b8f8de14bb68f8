// A service with a bad or missing key refuses to start, naming the variable (issue 9 §8): production keys are
// required by each service's schema, PEM and JSON are parsed there, and nothing reaches Kafka or PostgreSQL
// first. Each case is a real process start from dist/.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { selfSignedCertificate } from '../support/certificates';
import { closeAll } from '../support/cleanup';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { freePorts } from '../support/ports';
import { httpsStatus, startService, stopAll, type RunningService, type ServiceName } from '../support/service-processes';

const pem = (kind: 'private' | 'public', algorithm: 'ed25519' | 'x25519' = 'ed25519') => {
  const { privateKey, publicKey } = algorithm === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('x25519');
  return (kind === 'private' ? privateKey.export({ type: 'pkcs8', format: 'pem' }) : publicKey.export({ type: 'spki', format: 'pem' })).toString();
};
const hex32 = 'ab'.repeat(32);
const token = 'a-production-token-0123456789';

// Production answers HTTPS only: a certificate and key of the run's own.
const tlsDir = mkdtempSync(join(tmpdir(), 'medshare-config-at-boot-'));
const tls = selfSignedCertificate(tlsDir, 'tls', '/CN=localhost');
afterAll(() => rmSync(tlsDir, { recursive: true, force: true }));
const https = { HTTPS_CERT_FILE: tls.cert, HTTPS_KEY_FILE: tls.key };

/** Everything each service needs in production, so a case can leave out or spoil exactly one variable. */
const production: Record<Exclude<ServiceName, 'governance'>, Record<string, string>> = {
  ingestion: {
    NODE_ENV: 'production',
    ...https,
    INSTITUTIONS: 'hosp-a',
    INSTITUTION_PUBLIC_KEYS: JSON.stringify({ 'hosp-a': pem('public') }),
    PSEUDONYM_SECRET: hex32,
  },
  'access-control': {
    NODE_ENV: 'production',
    ...https,
    INSTITUTIONS: 'hosp-a',
    INSTITUTION_PUBLIC_KEYS: JSON.stringify({ 'hosp-a': pem('public') }),
    PSEUDONYM_SECRET: hex32,
    PERMIT_PRIVATE_KEY: pem('private'),
  },
  encryption: { NODE_ENV: 'production', ...https, MASTER_SECRET: hex32, OPERATOR_TOKEN: token, PERMIT_PUBLIC_KEY: pem('public') },
  ledger: { NODE_ENV: 'production', ...https, OPERATOR_TOKEN: token, AUDITOR_TOKEN: `${token}-auditor`, LEDGER_PRIVATE_KEY: pem('private') },
};

function without(env: Record<string, string>, variable: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => name !== variable));
}

/** Starts the service with `env` (and none of the caller's medshare variables); it must stop before connecting anywhere. */
function start(name: ServiceName, env: Record<string, string>) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([variable]) => ['PATH', 'HOME', 'LANG'].includes(variable)));
  return spawnSync(process.execPath, [resolve(__dirname, `../../dist/apps/${name}/src/main.js`)], {
    // Nothing listens there: a start that got past its configuration would show up as a connection error instead.
    env: { ...inherited, KAFKA_BROKERS: '127.0.0.1:1', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('configuration validated at boot', () => {
  it.each<[string, ServiceName, Record<string, string>, string]>([
    [
      'access-control in production without its permit signing key',
      'access-control',
      without(production['access-control'], 'PERMIT_PRIVATE_KEY'),
      'PERMIT_PRIVATE_KEY',
    ],
    [
      'access-control with institution keys that are not JSON',
      'access-control',
      { INSTITUTION_PUBLIC_KEYS: '{"hosp-a": "-----BEGIN' },
      'INSTITUTION_PUBLIC_KEYS',
    ],
    [
      'access-control with an institution key that is not a key',
      'access-control',
      { INSTITUTION_PUBLIC_KEYS: JSON.stringify({ 'hosp-a': 'not a key' }) },
      'INSTITUTION_PUBLIC_KEYS',
    ],
    [
      'access-control with a decrypt timeout the stop cannot wait for',
      'access-control',
      { DECRYPT_TIMEOUT_MS: '10000', SHUTDOWN_TIMEOUT_MS: '15000' },
      'DECRYPT_TIMEOUT_MS',
    ],
    ['ingestion in production without the pseudonym secret', 'ingestion', without(production.ingestion, 'PSEUDONYM_SECRET'), 'PSEUDONYM_SECRET'],
    ['ingestion in production without institution keys', 'ingestion', without(production.ingestion, 'INSTITUTION_PUBLIC_KEYS'), 'INSTITUTION_PUBLIC_KEYS'],
    [
      'ingestion in production with the public dev seed',
      'ingestion',
      { ...production.ingestion, MEDSHARE_DEV_SEED: 'medshare-dev-seed-not-secret' },
      'MEDSHARE_DEV_SEED',
    ],
    ['encryption in production without the permit verification key', 'encryption', without(production.encryption, 'PERMIT_PUBLIC_KEY'), 'PERMIT_PUBLIC_KEY'],
    ['encryption given a private key where the permit public key goes', 'encryption', { PERMIT_PUBLIC_KEY: pem('private') }, 'PERMIT_PUBLIC_KEY'],
    ['ledger in production without its signing key', 'ledger', without(production.ledger, 'LEDGER_PRIVATE_KEY'), 'LEDGER_PRIVATE_KEY'],
    ['ledger with a signing key of the wrong kind', 'ledger', { LEDGER_PRIVATE_KEY: pem('private', 'x25519') }, 'LEDGER_PRIVATE_KEY'],
    ['governance with a request timeout that is not a number', 'governance', { HTTP_REQUEST_TIMEOUT_MS: 'soon' }, 'HTTP_REQUEST_TIMEOUT_MS'],
    [
      'ledger in production without an HTTPS certificate',
      'ledger',
      without(without(production.ledger, 'HTTPS_CERT_FILE'), 'HTTPS_KEY_FILE'),
      'HTTPS_CERT_FILE',
    ],
    ['encryption with a certificate but no key', 'encryption', without(production.encryption, 'HTTPS_KEY_FILE'), 'HTTPS_KEY_FILE'],
  ])('%s: exits 1 naming the variable', (_case, name, env, variable) => {
    const result = start(name, env);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${name}: invalid configuration:\\n  ${variable}[.:]`));
    // Only that variable is wrong: the message lists exactly one problem.
    expect(result.stderr.trim().split('\n')).toHaveLength(2);
    expect(result.stderr).not.toMatch(/SyntaxError|at .*\.js:\d+/);
    expect(result.stdout).not.toMatch(/connect|ECONNREFUSED/i);
  });

  it.each(Object.keys(production) as (keyof typeof production)[])(
    '%s starts past its configuration with every production key given',
    (name) => {
      const result = start(name, production[name]);
      // It gets to the database or Kafka (which are not there) and fails there, not at its configuration.
      expect(result.stderr).not.toMatch(/invalid configuration/);
      expect(`${result.stdout}${result.stderr}`).toMatch(/service failed to start|ECONNREFUSED|connect/i);
    },
    60_000,
  );
});

// Issue 12: in the production profile each service, running against the real servers, answers HTTPS only, TLS 1.3.
describe('the production profile against the real servers', () => {
  const run = randomBytes(4).toString('hex');
  const { stateServer, ledgerServers, kafkaBrokers } = testEndpoints();
  const served = selfSignedCertificate(tlsDir, 'served', '/CN=127.0.0.1', ['subjectAltName=IP:127.0.0.1']);
  const ca = readFileSync(served.cert, 'utf8');
  const databases: [server: string, database: string][] = [];
  afterAll(() =>
    closeAll(
      databases.map(
        ([server, database]) =>
          () =>
            dropDatabase(server, database),
      ),
    ),
  );

  it.each(Object.keys(production) as (keyof typeof production)[])(
    '%s answers over TLS 1.3 only: not TLS 1.2, not plain HTTP',
    async (name) => {
      const [port] = await freePorts(4900, 5000, 1);
      const database = `${name.replace('-', '_')}_https${run}`;
      databases.push([stateServer, database]);
      const env: Record<string, string> = {
        ...production[name],
        HTTPS_CERT_FILE: served.cert,
        HTTPS_KEY_FILE: served.key,
        KAFKA_BROKERS: kafkaBrokers.join(','),
        KAFKA_GROUP_ID: `${name}-https${run}`,
        DATABASE_URL: databaseUrl(stateServer, database),
      };
      // Ingestion is ready once it learned a sealing key: an encryption service of the run's own announces one.
      let keySource: RunningService | undefined;
      if (name === 'ingestion') {
        const source = `encryption-keys${run}`;
        const [encryptionPort] = await freePorts(5000, 5100, 1);
        databases.push([stateServer, `encryption_keys${run}`]);
        env.SEALING_KEY_SOURCE = source;
        keySource = await startService('encryption', {
          port: encryptionPort,
          instance: source,
          readyTimeoutMs: 120_000,
          env: {
            KAFKA_BROKERS: env.KAFKA_BROKERS,
            KAFKA_GROUP_ID: source,
            SERVICE_SOURCE: source,
            DATABASE_URL: databaseUrl(stateServer, `encryption_keys${run}`),
          },
        });
      }
      if (name === 'ledger') {
        env.LEDGER_REPLICA_URLS = ledgerServers.map((server) => databaseUrl(server, `ledger_https${run}`)).join(',');
        databases.push(...ledgerServers.map((server): [string, string] => [server, `ledger_https${run}`]));
      }
      let service: RunningService | undefined;
      try {
        service = await startService(name, { port, env, instance: `${name}-https${run}`, httpsCa: ca, readyTimeoutMs: 120_000 });
        expect(await httpsStatus(`https://127.0.0.1:${port}/health/live`, ca)).toBe(200);
        await expect(httpsStatus(`https://127.0.0.1:${port}/health/live`, ca, { maxVersion: 'TLSv1.2' })).rejects.toThrow();
        await expect(fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
      } finally {
        await stopAll([service, keySource].filter((running) => running !== undefined));
      }
    },
    180_000,
  );
});
