// The whole platform as real processes: five services start ready, synthetic traffic flows from HTTP to the
// ledger, a bad configuration stops a start with a message naming the variable, and SIGTERM ends everything.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { issueInstitutionToken } from '@medshare/crypto';
import { bundlesForLoad, INSTITUTIONS } from '@medshare/synthetic';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { serviceNames, startService, stopAll, type RunningService, type ServiceName } from '../support/service-processes';

const run = randomUUID().slice(0, 8);
// The ledger reads the shared broker's topics from this run's start, not their whole history.
const startedAt = new Date().toISOString();
const { stateServer, ledgerServers } = testEndpoints();
const ports: Record<ServiceName, number> = { ingestion: 4501, encryption: 4502, 'access-control': 4503, ledger: 4504, governance: 4505 };

const stateDatabase = (name: ServiceName) => `${name.replace('-', '_')}_e2e_${run}`;
const ledgerDatabase = `ledger_e2e_${run}`;

// Its own key source: ingestion trusts sealing keys announced under this name only, so this run's
// encryption keys never reach another deployment on the same broker (nor theirs this run).
const keySource = `encryption-platform-${run}`;

function envFor(name: ServiceName): NodeJS.ProcessEnv {
  return {
    SERVICE_SOURCE: keySource,
    SEALING_KEY_SOURCE: keySource,
    DATABASE_URL: databaseUrl(stateServer, stateDatabase(name)),
    KAFKA_GROUP_ID: `${name}-e2e-${run}`,
    LEDGER_START_FROM: startedAt,
    LEDGER_REPLICA_URLS: ledgerServers.map((server) => databaseUrl(server, ledgerDatabase)).join(','),
  };
}

describe('the platform as five processes', () => {
  const services: RunningService[] = [];

  afterAll(async () => {
    await stopAll(services);
    await Promise.all([
      ...serviceNames.map((name) => dropDatabase(stateServer, stateDatabase(name))),
      ...ledgerServers.map((server) => dropDatabase(server, ledgerDatabase)),
    ]);
  });

  it('starts every service ready, on its own port', async () => {
    for (const name of ['encryption', 'ledger', 'governance', 'access-control', 'ingestion'] as const) {
      services.push(await startService(name, { port: ports[name], env: envFor(name), instance: `${name}-platform-${run}` }));
    }
    for (const service of services) {
      const ready = await fetch(`${service.baseUrl}/health/ready`);
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`${service.baseUrl}/metrics`)).text();
      expect(metrics).toContain('process_cpu_user_seconds_total');
    }
    expect(services.map((service) => service.name).sort()).toEqual([...serviceNames].sort());
  });

  it('carries a hospital bundle from HTTP into the encrypted store and onto the ledger', async () => {
    const byName = (name: ServiceName) => services.find((service) => service.name === name) as RunningService;
    const before = (await (await fetch(`${byName('ledger').baseUrl}/v1/blocks/head`)).json()) as { treeSize?: number };
    const keys = new PlatformKeys(platformKeysSchema.parse({}));
    const institution = INSTITUTIONS[0].id;
    const token = issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, ttlSeconds: 600 });
    const bundle = bundlesForLoad(`platform-${run}`, 1, 10).next().value;
    const response = await fetch(`${byName('ingestion').baseUrl}/v1/fhir`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(bundle),
    });
    expect(response.status).toBe(202);
    // Ten records encrypted means ten records.encrypted events, all audited: the ledger grows by at least ten.
    const after = await eventually(
      async () => {
        const head = (await (await fetch(`${byName('ledger').baseUrl}/v1/blocks/head`)).json()) as { treeSize?: number };
        return (head.treeSize ?? 0) >= (before.treeSize ?? 0) + 10 ? head : undefined;
      },
      { timeoutMs: 60_000, what: 'the ledger to record the encrypted records' },
    );
    expect(after.treeSize).toBeGreaterThanOrEqual((before.treeSize ?? 0) + 10);
  });

  it('stops every service on SIGTERM with exit code 0', async () => {
    const codes = await Promise.all(services.splice(0).map((service) => service.stop('SIGTERM')));
    expect(codes).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('configuration is validated at start', () => {
  it.each(serviceNames.map((name) => [name]))('%s refuses PORT=abc and names the variable', (name) => {
    const result = spawnSync(process.execPath, [resolve(__dirname, `../../dist/apps/${name}/src/main.js`)], {
      env: { ...process.env, PORT: 'abc' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/PORT/);
  });
});
