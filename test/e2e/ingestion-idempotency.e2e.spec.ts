// Idempotency-Key claims and Kafka outages on a broker of this run's own: a retry completes the claim of a killed
// ingestion (kill -9 mid-request) and publishes once; a broker killed with -9 is a 503 + Retry-After within seconds,
// and the retry publishes the very events the refused request prepared (same ids), once each. Keys are stored
// only as keyed pseudonyms.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { topics, type EventOf } from '@medshare/contracts';
import { issueInstitutionToken } from '@medshare/crypto';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { generatePopulation, patientBundle, type SyntheticPatient } from '@medshare/synthetic';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { freePorts } from '../support/ports';
import { startPrivateBroker, type PrivateBroker } from '../support/private-broker';
import { startService, type RunningService, type StartOptions } from '../support/service-processes';
import { readTopic } from '../support/topic-reader';

const run = randomBytes(4).toString('hex');
const repoRoot = resolve(__dirname, '../..');
const brokerName = `ingest-idempotency-${run}`;
const SOURCE = `encryption-i${run}`;
const LEASE_MS = 2000;
const PUBLISH_TIMEOUT_MS = 2000;
const logDir = resolve(repoRoot, `.data/logs/e2e-ingestion-idempotency-${run}`);
const { stateServer } = testEndpoints();
const databases = { ingestion: `ingestion_i${run}`, encryption: `encryption_i${run}` };
const keys = new PlatformKeys(platformKeysSchema.parse({}));
const token = () => issueInstitutionToken(keys.institutionPrivateKey('hosp-a'), { institution: 'hosp-a', ttlSeconds: 600 }, new Date());

interface Answer {
  status: number;
  headers: Headers;
  body: { requestId?: string; events?: string[]; records?: { recordId: string }[] };
  elapsedMs: number;
}

describe('ingestion idempotency claims and Kafka outages', () => {
  let broker: PrivateBroker;
  let encryption: RunningService;
  let ingestion: RunningService;
  let ingestionOptions: StartOptions;
  let ingestionDb: Client;
  const population = generatePopulation({ seed: `idempotency-${run}`, patientsPerInstitution: 3, institutions: [{ id: 'hosp-a', name: 'A' }] });
  const patients: SyntheticPatient[] = population.patients;

  async function submit(body: object, idempotencyKey?: string): Promise<Answer> {
    const started = Date.now();
    const response = await fetch(`${ingestion.baseUrl}/v1/fhir`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/fhir+json', ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'], elapsedMs: Date.now() - started };
  }

  /** Retries as a client would (after Retry-After) until the answer is a 202. */
  async function submitUntilAccepted(body: object, idempotencyKey: string): Promise<Answer> {
    return eventually(
      async () => {
        const answer = await submit(body, idempotencyKey);
        return answer.status === 202 ? answer : undefined;
      },
      { what: `a 202 for ${idempotencyKey}`, timeoutMs: 60_000, intervalMs: 1000 },
    );
  }

  /** The ingest.sealed events naming `patientId`'s records: what the topic holds for that patient. */
  async function sealedEventsOf(answer: Answer): Promise<EventOf<'ingest.sealed.v1'>[]> {
    const recordIds = new Set((answer.body.records ?? []).map((record) => record.recordId));
    const sealed = (await readTopic(broker.kafka, topics.ingestSealed.name)).map((message) => JSON.parse(message.value?.toString() ?? '') as EventOf<'ingest.sealed.v1'>);
    return sealed.filter((event) => event.data.records.some((record) => recordIds.has(record.recordId)));
  }

  beforeAll(async () => {
    broker = await startPrivateBroker(brokerName);
    const [encryptionPort, ingestionPort] = await freePorts(4700, 4800, 2);
    const kafkaEnv = { KAFKA_BROKERS: broker.brokers.join(',') };
    encryption = await startService('encryption', {
      port: encryptionPort,
      logDir,
      instance: `encryption-i${run}`,
      env: { ...kafkaEnv, DATABASE_URL: databaseUrl(stateServer, databases.encryption), KAFKA_GROUP_ID: `encryption-i${run}`, SERVICE_SOURCE: SOURCE },
    });
    ingestionOptions = {
      port: ingestionPort,
      logDir,
      instance: `ingestion-i${run}`,
      env: {
        ...kafkaEnv,
        DATABASE_URL: databaseUrl(stateServer, databases.ingestion),
        KAFKA_GROUP_ID: `ingestion-i${run}`,
        SEALING_KEY_SOURCE: SOURCE,
        RETRY_AFTER_SECONDS: '1',
        IDEMPOTENCY_LEASE_MS: String(LEASE_MS),
        PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS),
      },
    };
    ingestion = await startService('ingestion', ingestionOptions);
    ingestionDb = new Client({ connectionString: databaseUrl(stateServer, databases.ingestion) });
    await ingestionDb.connect();
  });

  afterAll(async () => {
    await ingestionDb?.end();
    await ingestion?.stop();
    await encryption?.stop();
    await broker?.remove();
    for (const name of Object.values(databases)) await dropDatabase(stateServer, name);
  });

  it('lets a retry complete the claim of an ingestion killed mid-request, publishing its records once', async () => {
    const key = `mrn-${run}-0001`;
    const body = patientBundle(patients[0], { type: 'transaction' });
    // Hold the request after it claimed its key: the identity links are read from a table this test locks.
    const locker = new Client({ connectionString: databaseUrl(stateServer, databases.ingestion) });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE patient_links IN ACCESS EXCLUSIVE MODE');
      const held = submit(body, key).then(
        (answer) => `answered ${answer.status}`,
        (error: unknown) => String(error),
      );
      await eventually(async () => ((await ingestionDb.query('SELECT 1 FROM idempotency_keys WHERE status IS NULL')).rowCount === 1 ? true : undefined), {
        what: 'the key claimed',
      });
      await ingestion.stop('SIGKILL');
      expect(await held).toMatch(/fetch failed/);
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }
    ingestion = await startService('ingestion', ingestionOptions);

    const accepted = await submitUntilAccepted(body, key);
    expect(accepted.body.records).toHaveLength(body.entry?.length ?? 0);
    const replayed = await submit(body, key);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body).toEqual(accepted.body);

    const sealed = await sealedEventsOf(accepted);
    expect(sealed.map((event) => event.id)).toEqual(accepted.body.events);
    // The key and what it carries are stored only as keyed pseudonyms.
    const { rows } = await ingestionDb.query('SELECT * FROM idempotency_keys');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(key);
  });

  it('answers 503 + Retry-After within seconds when the broker is killed with -9; the retry publishes the prepared events once', async () => {
    const key = `msg-${run}-0002`;
    const body = patientBundle(patients[1], { type: 'transaction' });
    process.kill(Number(readFileSync(resolve(repoRoot, `.data/kafka-${brokerName}/kafka.pid`), 'utf8')), 'SIGKILL');

    const refused = await submit(body, key);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.elapsedMs).toBeLessThan(PUBLISH_TIMEOUT_MS + 2000);
    // Without a key too, and for every request while the broker stays down.
    const unkeyed = await submit(patientBundle(patients[2], { type: 'transaction' }));
    expect(unkeyed.status).toBe(503);
    expect(unkeyed.elapsedMs).toBeLessThan(PUBLISH_TIMEOUT_MS + 2000);

    await broker.start();
    const accepted = await submitUntilAccepted(body, key);
    // The retry published what the refused request had sealed: its request id, its record ids.
    expect(accepted.body.requestId).toBe(refused.headers.get('x-request-id'));
    const sealed = await sealedEventsOf(accepted);
    expect(new Set(sealed.map((event) => event.id))).toEqual(new Set(accepted.body.events));
    expect(sealed).toHaveLength(accepted.body.events?.length ?? -1);
  });
});
