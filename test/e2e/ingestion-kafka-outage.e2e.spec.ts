// Ingestion while Kafka is down, on a broker of its own (the shared one must keep running): 503 with Retry-After
// and an OperationOutcome, recovery without a restart when the broker returns, and exactly the records acknowledged
// with 202 published, stored and encrypted, once each.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { topics, type EventOf, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import { issueInstitutionToken } from '@medshare/crypto';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { generatePopulation, patientBundle, type SyntheticPatient } from '@medshare/synthetic';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { startService, type RunningService } from '../support/service-processes';
import { readTopic } from '../support/topic-reader';
import { closeAll } from '../support/cleanup';
import { freePorts } from '../support/ports';
import { startPrivateBroker, type PrivateBroker } from '../support/private-broker';

const repoRoot = resolve(__dirname, '../..');
const run = randomBytes(4).toString('hex');
const SOURCE = `encryption-o${run}`;
const RETRY_AFTER_SECONDS = 2;
/** Ports of this run: two free ports in 4600-4699 for the services (broker B picks its own). */
const ports = { encryption: 0, ingestion: 0 };
const logDir = resolve(repoRoot, `.data/logs/e2e-kafka-outage-${run}`);
const { stateServer } = testEndpoints();
const databases = { ingestion: `ingestion_o${run}`, encryption: `encryption_o${run}` };
const keys = new PlatformKeys(platformKeysSchema.parse({}));
const token = () => issueInstitutionToken(keys.institutionPrivateKey('hosp-a'), { institution: 'hosp-a', ttlSeconds: 600 }, new Date());

/** Every event on a topic of broker B, from the beginning up to the high watermarks of now. */
async function readEvents(kafka: Kafka, topic: TopicSpec): Promise<MedshareEvent[]> {
  return (await readTopic(kafka, topic.name)).map((message) => JSON.parse(message.value?.toString() ?? '') as MedshareEvent);
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  elapsedMs: number;
}

describe('ingestion when Kafka is down', () => {
  let brokerB: PrivateBroker;
  let kafka: Kafka;
  let encryption: RunningService;
  let ingestion: RunningService;
  let store: Client;
  const population = generatePopulation({ seed: `outage-${run}`, patientsPerInstitution: 4, institutions: [{ id: 'hosp-a', name: 'A' }] });
  const patients: SyntheticPatient[] = population.patients;
  /** Record ids of every 202, in the order they were acknowledged. */
  const acknowledged: string[] = [];

  /** One batch bundle of two patients: one publish of two sealed events, the case that could half-publish. */
  const twoPatientBundle = (first: SyntheticPatient, second: SyntheticPatient) => ({
    resourceType: 'Bundle',
    type: 'batch',
    entry: [...(patientBundle(first, { type: 'batch' }).entry ?? []), ...(patientBundle(second, { type: 'batch' }).entry ?? [])],
  });

  async function submit(body: object, idempotencyKey?: string): Promise<Answer> {
    const started = Date.now();
    const response = await fetch(`${ingestion.baseUrl}/v1/fhir`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/fhir+json', ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const answer = { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown>, elapsedMs: Date.now() - started };
    if (answer.status === 202) acknowledged.push(...(answer.body.records as { recordId: string }[]).map((record) => record.recordId));
    return answer;
  }

  beforeAll(async () => {
    [ports.encryption, ports.ingestion] = await freePorts(4600, 4700, 2);
    brokerB = await startPrivateBroker(`outage-test-${run}`);
    kafka = brokerB.kafka;
    const kafkaEnv = { KAFKA_BROKERS: brokerB.brokers.join(',') };
    encryption = await startService('encryption', {
      port: ports.encryption,
      logDir,
      instance: `encryption-o${run}`,
      env: { ...kafkaEnv, DATABASE_URL: databaseUrl(stateServer, databases.encryption), KAFKA_GROUP_ID: `encryption-o${run}`, SERVICE_SOURCE: SOURCE },
    });
    ingestion = await startService('ingestion', {
      port: ports.ingestion,
      logDir,
      instance: `ingestion-o${run}`,
      env: {
        ...kafkaEnv,
        DATABASE_URL: databaseUrl(stateServer, databases.ingestion),
        KAFKA_GROUP_ID: `ingestion-o${run}`,
        SEALING_KEY_SOURCE: SOURCE,
        RETRY_AFTER_SECONDS: String(RETRY_AFTER_SECONDS),
      },
    });
    store = new Client({ connectionString: databaseUrl(stateServer, databases.encryption) });
    await store.connect();
  });

  afterAll(() =>
    closeAll([
      () => ingestion?.stop(),
      () => encryption?.stop(),
      () => store?.end(),
      () => brokerB?.remove(),
      ...Object.values(databases).map((name) => () => dropDatabase(stateServer, name)),
    ]));

  async function storedCount(recordIds: readonly string[]): Promise<number> {
    const { rows } = await store.query('SELECT count(*)::int AS n FROM encrypted_records WHERE record_id = ANY($1::text[])', [recordIds]);
    return (rows[0] as { n: number }).n;
  }

  it('accepts a two-patient bundle while the broker runs', async () => {
    const answer = await submit(twoPatientBundle(patients[0], patients[1]));
    expect(answer.status).toBe(202);
    expect(answer.body.events).toHaveLength(2);
    // The outage starts with nothing in flight in the encryption service: a batch it encrypted and published but
    // could not commit when the broker died is redelivered and published again (at least once, same record ids).
    const ids = (answer.body.records as { recordId: string }[]).map((record) => record.recordId);
    await eventually(async () => ((await storedCount(ids)) === ids.length ? true : undefined), { what: 'the first bundle stored', timeoutMs: 20_000 });
  });

  it('answers 503 with Retry-After and an OperationOutcome while the broker is down', async () => {
    await brokerB.stop();
    const answer = await submit(twoPatientBundle(patients[2], patients[3]), `outage-${run}`);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe(String(RETRY_AFTER_SECONDS));
    expect(answer.body).toEqual(expect.objectContaining({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error', code: 'transient' })] }));
    // A client that waits longer than this for a 503 has given up already.
    expect(answer.elapsedMs).toBeLessThan(30_000);
  });

  it('recovers by itself when the broker returns: the retried request is accepted under the same Idempotency-Key', async () => {
    await brokerB.start();
    const accepted = await eventually(
      async () => {
        const answer = await submit(twoPatientBundle(patients[2], patients[3]), `outage-${run}`);
        return answer.status === 202 ? answer : undefined;
      },
      { what: 'a 202 after the broker returned', timeoutMs: 45_000, intervalMs: RETRY_AFTER_SECONDS * 1000 },
    );
    expect(accepted.body.events).toHaveLength(2);
    const replayed = await submit(twoPatientBundle(patients[2], patients[3]), `outage-${run}`);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body).toEqual(accepted.body);
  });

  it('publishes, stores and encrypts exactly the acknowledged records, once each', async () => {
    // The replay above answered from the idempotency store: its records are the ones already counted.
    const ids = [...new Set(acknowledged)];
    expect(ids.length).toBeGreaterThan(0);
    // After a broker restart the encryption service's consumer groups rejoin only once their pre-outage members'
    // sessions expired (kafkajs default 30 s): the deadline allows for that.
    await eventually(async () => ((await storedCount(ids)) === ids.length ? true : undefined), {
      what: 'every acknowledged record in the encrypted store',
      timeoutMs: 60_000,
      intervalMs: 500,
    });

    const encrypted = (await readEvents(kafka, topics.recordsEncrypted)).filter((event) => event.source === SOURCE && event.type === 'records.encrypted.v1');
    const perRecord = new Map<string, number>();
    for (const event of encrypted) {
      const { recordId } = (event as EventOf<'records.encrypted.v1'>).data;
      perRecord.set(recordId, (perRecord.get(recordId) ?? 0) + 1);
    }
    expect(ids.filter((id) => perRecord.get(id) !== 1)).toEqual([]);

    const sealed = (await readEvents(kafka, topics.ingestSealed)).filter((event) => event.type === 'ingest.sealed.v1') as EventOf<'ingest.sealed.v1'>[];
    // A 503's outcome is unknown; its retry under the same Idempotency-Key publishes the events it prepared (same
    // ids), so the topic holds the acknowledged records and nothing else.
    expect(sealed.flatMap((event) => event.data.records.map((record) => record.recordId)).sort()).toEqual([...ids].sort());
  });
});
