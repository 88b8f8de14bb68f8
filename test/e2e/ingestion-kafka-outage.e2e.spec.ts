// Ingestion while Kafka is down, on a broker of its own (the shared one must keep running): 503 with Retry-After
// and an OperationOutcome, recovery without a restart when the broker returns, and exactly the records acknowledged
// with 202 published, stored and encrypted, once each.
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { topics, type EventOf, type MedshareEvent, type TopicSpec } from '@medshare/contracts';
import { generatePopulation, patientBundle, type SyntheticPatient } from '@medshare/synthetic';
import { eventually } from '../support/eventually';
import { postFhir, startIngestionStack, type FhirAnswer, type IngestionStack } from '../support/ingestion-stack';
import { readTopic } from '../support/topic-reader';
import { closeAll } from '../support/cleanup';
import { startPrivateBroker, type PrivateBroker } from '../support/private-broker';

const run = randomBytes(4).toString('hex');
const RETRY_AFTER_SECONDS = 2;

/** Every event on a topic of broker B, from the beginning up to the high watermarks of now. */
async function readEvents(kafka: Kafka, topic: TopicSpec): Promise<MedshareEvent[]> {
  return (await readTopic(kafka, topic.name)).map((message) => JSON.parse(message.value?.toString() ?? ''));
}

describe('ingestion when Kafka is down', () => {
  let brokerB: PrivateBroker;
  let kafka: Kafka;
  let stack: IngestionStack;
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

  async function submit(body: object, idempotencyKey?: string): Promise<FhirAnswer> {
    const answer = await postFhir(stack.ingestion.baseUrl, body, { idempotencyKey });
    if (answer.status === 202) acknowledged.push(...(answer.body.records as { recordId: string }[]).map((record) => record.recordId));
    return answer;
  }

  beforeAll(async () => {
    brokerB = await startPrivateBroker(`outage-test-${run}`);
    kafka = brokerB.kafka;
    stack = await startIngestionStack(`o${run}`, brokerB.brokers, { RETRY_AFTER_SECONDS: String(RETRY_AFTER_SECONDS) });
    store = new Client({ connectionString: stack.databaseUrls.encryption });
    await store.connect();
  });

  afterAll(() => closeAll([() => store?.end(), () => stack?.remove(), () => brokerB?.remove()]));

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
    expect(answer.body).toEqual(
      expect.objectContaining({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error', code: 'transient' })] }),
    );
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

    const encrypted = (await readEvents(kafka, topics.recordsEncrypted)).filter(
      (event) => event.source === stack.source && event.type === 'records.encrypted.v1',
    );
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
