// Idempotency-Key claims and Kafka outages on a broker of this run's own: a retry completes the claim of a killed
// ingestion (kill -9 mid-request) and publishes once; a broker killed with -9 is a 503 + Retry-After within seconds,
// and the retry publishes the very events the refused request prepared (same ids), once each. Keys are stored
// only as keyed pseudonyms.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { topics, type EventOf } from '@medshare/contracts';
import { generatePopulation, patientBundle, type SyntheticPatient } from '@medshare/synthetic';
import { closeAll } from '../support/cleanup';
import { eventually } from '../support/eventually';
import { postFhir, startIngestionStack, type FhirAnswer, type IngestionStack } from '../support/ingestion-stack';
import { startPrivateBroker, type PrivateBroker } from '../support/private-broker';
import { readTopic } from '../support/topic-reader';

const run = randomBytes(4).toString('hex');
const brokerName = `ingest-idempotency-${run}`;
const LEASE_MS = 2000;
const PUBLISH_TIMEOUT_MS = 2000;

describe('ingestion idempotency claims and Kafka outages', () => {
  let broker: PrivateBroker;
  let stack: IngestionStack;
  let ingestionDb: Client;
  const population = generatePopulation({ seed: `idempotency-${run}`, patientsPerInstitution: 3, institutions: [{ id: 'hosp-a', name: 'A' }] });
  const patients: SyntheticPatient[] = population.patients;
  const submit = (body: object, idempotencyKey?: string) => postFhir(stack.ingestion.baseUrl, body, { idempotencyKey });

  /** Retries as a client would (after Retry-After) until the answer is a 202. */
  async function submitUntilAccepted(body: object, idempotencyKey: string): Promise<FhirAnswer> {
    return eventually(
      async () => {
        const answer = await submit(body, idempotencyKey);
        return answer.status === 202 ? answer : undefined;
      },
      { what: `a 202 for ${idempotencyKey}`, timeoutMs: 60_000, intervalMs: 1000 },
    );
  }

  /** Every ingest.sealed event on the topic that carries a record of `answer`. */
  async function sealedEventsOf(answer: FhirAnswer): Promise<EventOf<'ingest.sealed.v1'>[]> {
    const recordIds = new Set((answer.body.records as { recordId: string }[]).map((record) => record.recordId));
    const sealed = (await readTopic(broker.kafka, topics.ingestSealed.name)).map(
      (message) => JSON.parse(message.value?.toString() ?? '') as EventOf<'ingest.sealed.v1'>,
    );
    return sealed.filter((event) => event.data.records.some((record) => recordIds.has(record.recordId)));
  }

  beforeAll(async () => {
    broker = await startPrivateBroker(brokerName);
    stack = await startIngestionStack(`i${run}`, broker.brokers, {
      RETRY_AFTER_SECONDS: '1',
      IDEMPOTENCY_LEASE_MS: String(LEASE_MS),
      PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS),
    });
    ingestionDb = new Client({ connectionString: stack.databaseUrls.ingestion });
    await ingestionDb.connect();
  });

  afterAll(() => closeAll([() => ingestionDb?.end(), () => stack?.remove(), () => broker?.remove()]));

  it('lets a retry complete the claim of an ingestion killed mid-request, publishing its records once', async () => {
    const key = `mrn-${run}-0001`;
    const body = patientBundle(patients[0], { type: 'transaction' });
    // Hold the request after it claimed its key: the identity links are read from a table this test locks.
    const locker = new Client({ connectionString: stack.databaseUrls.ingestion });
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
      await stack.ingestion.stop('SIGKILL');
      expect(await held).toMatch(/fetch failed/);
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }
    await stack.restartIngestion();

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
    process.kill(Number(readFileSync(resolve(__dirname, `../../.data/kafka-${brokerName}/kafka.pid`), 'utf8')), 'SIGKILL');

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
    const events = accepted.body.events as string[];
    const sealed = await sealedEventsOf(accepted);
    expect(new Set(sealed.map((event) => event.id))).toEqual(new Set(events));
    expect(sealed).toHaveLength(events.length);
  });
});
