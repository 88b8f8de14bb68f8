// Access control with its broker killed (-9): every answer waits for its decision on the log, so with Kafka away a
// read or a submission is a 503 + Retry-After within PUBLISH_TIMEOUT_MS, never a hang, and never a disclosure that
// the ledger would not see. On a broker of this run's own, so the shared one is never touched.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { issueInstitutionToken } from '@medshare/crypto';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { closeAll } from '../support/cleanup';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { freePorts } from '../support/ports';
import { startPrivateBroker, type PrivateBroker } from '../support/private-broker';
import { startService, type RunningService } from '../support/service-processes';

const run = randomUUID().replace(/-/g, '').slice(0, 8);
const brokerName = `acko${run}`;
const { stateServer } = testEndpoints();
const A = `a${run}`;
const keys = new PlatformKeys(platformKeysSchema.parse({ INSTITUTIONS: A }));
const database = `access_control_acko${run}`;
const PUBLISH_TIMEOUT_MS = 1500;
const doctor = issueInstitutionToken(keys.institutionPrivateKey(A), { institution: A, practitioner: `dr-${run}`, role: 'physician', ttlSeconds: 600 });
const system = issueInstitutionToken(keys.institutionPrivateKey(A), { institution: A, ttlSeconds: 600 });

let broker: PrivateBroker;
let access: RunningService;

async function timed(path: string, init: RequestInit): Promise<{ status: number; retryAfter: string | null; elapsedMs: number }> {
  const started = Date.now();
  const response = await fetch(`${access.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(60_000) });
  await response.arrayBuffer();
  return { status: response.status, retryAfter: response.headers.get('retry-after'), elapsedMs: Date.now() - started };
}

describe('access control while its broker is killed with -9', () => {
  beforeAll(async () => {
    broker = await startPrivateBroker(brokerName);
    const [port] = await freePorts(4700, 4800, 1);
    access = await startService('access-control', {
      port,
      instance: `access-acko-${run}`,
      env: {
        INSTITUTIONS: A,
        LOG_LEVEL: 'warn',
        KAFKA_BROKERS: broker.brokers.join(','),
        DATABASE_URL: databaseUrl(stateServer, database),
        KAFKA_GROUP_ID: `access-control-acko-${run}`,
        PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS),
      },
    });
  });

  afterAll(async () => {
    await closeAll([() => access?.stop(), () => broker?.remove(), () => dropDatabase(stateServer, database)]);
  });

  it('answers a read 503 + Retry-After within the publish bound, and a role submission too', async () => {
    const probe = `/v1/patients/${encodeURIComponent(`https://id.medshare.example/national-health-id|N-${run}`)}/records?purpose=TREAT`;
    // With the broker up the probe is decided and recorded: 403, like any patient out of reach.
    expect((await timed(probe, { headers: { authorization: `Bearer ${doctor}` } })).status).toBe(403);

    process.kill(Number(readFileSync(resolve(__dirname, `../../.data/kafka-${brokerName}/kafka.pid`), 'utf8')), 'SIGKILL');

    const read = await timed(probe, { headers: { authorization: `Bearer ${doctor}` } });
    expect(read).toMatchObject({ status: 503, retryAfter: '2' });
    expect(read.elapsedMs).toBeLessThan(PUBLISH_TIMEOUT_MS + 2000);
    const role = await timed('/v1/roles', {
      method: 'POST',
      headers: { authorization: `Bearer ${system}`, 'content-type': 'application/json' },
      body: JSON.stringify({ practitioner: `dr-${run}`, role: 'physician' }),
    });
    expect(role).toMatchObject({ status: 503, retryAfter: '2' });
    expect(role.elapsedMs).toBeLessThan(PUBLISH_TIMEOUT_MS + 2000);
  });
});
