// Read-back: the submitting institution's integration system (system token, purpose HOPERAT) reads and searches what
// it submitted through access control's permit → decrypt path, without patient consent, each read a decision on the
// log; nobody else gains anything from the rule.
import type { Kafka } from 'kafkajs';
import { topics, type EventOf } from '@medshare/contracts';
import { BatchConsumer, createKafka, EventPublisher } from '@medshare/messaging';
import type { Bundle, FhirResource } from '@medshare/fhir';
import { ehrExport, exportTransaction, type EhrExport } from '@medshare/synthetic';
import { testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { NATIONAL_ID, startFhirPlatform, type FhirPlatform } from '../support/fhir-platform';

type Json = Record<string, unknown>;

describe('read-back of own submissions at /fhir/R4', () => {
  let platform: FhirPlatform;
  let exported: EhrExport;
  let kafka: Kafka;
  let publisher: EventPublisher;
  let consumer: BatchConsumer;
  const decisions = new Map<string, EventOf<'access.decision.v1'>>();
  const disclosures = new Map<string, EventOf<'records.disclosed.v1'>>();
  let observationLocation = '';

  beforeAll(async () => {
    platform = await startFhirPlatform('back');
    exported = ehrExport(34, { id: platform.holder, name: 'Holder hospital (synthetic)' }, 1);
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `read-back-${platform.run}` });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
    consumer = new BatchConsumer(kafka, publisher, {
      groupId: `read-back-${platform.run}`,
      topics: [topics.accessDecisions, topics.recordsDisclosed],
      fromBeginning: false,
      handle: async (events) => {
        for (const { event } of events) {
          if (event.type === 'access.decision.v1') decisions.set(event.data.decisionId, event);
          if (event.type === 'records.disclosed.v1') disclosures.set(event.data.decisionId, event);
        }
      },
    });
    await consumer.start();
    const answer = await platform.call(platform.ingestion, 'POST', '/fhir/R4', {
      token: platform.systemToken(platform.holder),
      body: exportTransaction(exported, 0, 'first'),
    });
    expect(answer.status).toBe(200);
    const bundle = exportTransaction(exported, 0, 'first');
    const index = bundle.entry?.findIndex((entry) => entry.resource?.resourceType === 'Observation') ?? -1;
    observationLocation = (answer.body['entry'] as { response: { location: string } }[])[index].response.location.replace(/\/_history\/\d+$/, '');
  }, 120_000);

  afterAll(async () => {
    await consumer?.stop();
    await publisher?.disconnect();
    await platform?.remove();
  });

  const own = (path: string, token = platform.systemToken(platform.holder), purpose = 'HOPERAT') =>
    platform.call(platform.access, 'GET', `/fhir/R4/${path}${path.includes('?') ? '&' : '?'}purpose=${purpose}`, { token });
  const decisionOf = (answer: { headers: Headers }) =>
    eventually(() => decisions.get(answer.headers.get('x-medshare-decision-id') ?? ''), { what: 'the decision event' });

  it('reads a resource it submitted by its platform id, without any consent, and the read is on the log', async () => {
    const answer = await eventually(
      async () => {
        const found = await own(observationLocation);
        return found.status === 200 ? found : undefined;
      },
      { what: 'the read-back of the Observation' },
    );
    expect(answer.body).toMatchObject({ resourceType: 'Observation', id: observationLocation.split('/')[1], meta: { versionId: '1' } });
    expect(answer.headers.get('etag')).toBe('W/"1"');
    const decision = await decisionOf(answer);
    expect(decision.data).toMatchObject({ effect: 'permit', httpStatus: 200, purpose: 'HOPERAT', requester: { institution: platform.holder } });
    expect(decision.data.decidingRule).toMatch(/^read-back/);
    const disclosure = await eventually(() => disclosures.get(decision.data.decisionId), { what: 'the disclosure event' });
    expect(disclosure.data.records).toHaveLength(1);
  });

  it('reads the history after an update and answers 410 after a delete', async () => {
    const current = (await own(observationLocation)).body as FhirResource;
    const update = await platform.call(platform.ingestion, 'PUT', `/fhir/R4/${observationLocation}`, {
      token: platform.systemToken(platform.holder),
      body: { ...current, status: 'amended' },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(update.status).toBe(200);
    const history = await eventually(
      async () => {
        const answer = await own(`${observationLocation}/_history`);
        return answer.status === 200 && answer.body['total'] === 2 ? answer : undefined;
      },
      { what: 'a history of two versions' },
    );
    expect(history.body['type']).toBe('history');
    expect((history.body['entry'] as { resource: Json }[]).map((entry) => (entry.resource['meta'] as Json)['versionId'])).toEqual(['2', '1']);
    expect(
      (await platform.call(platform.ingestion, 'DELETE', `/fhir/R4/${observationLocation}`, { token: platform.systemToken(platform.holder) })).status,
    ).toBe(204);
    const gone = await eventually(
      async () => {
        const answer = await own(observationLocation);
        return answer.status === 410 ? answer : undefined;
      },
      { what: 'the deleted resource answering 410' },
    );
    expect((await decisionOf(gone)).data).toMatchObject({ effect: 'deny', httpStatus: 410 });
    expect((await own(`${observationLocation}/_history`)).body['total']).toBe(3);
  });

  it('searches by patient identifier, type and date', async () => {
    const patient = `${NATIONAL_ID}|${exported.patients[0].nationalId}`;
    const encounters = exported.patients[0].resources.filter((resource) => resource.resourceType === 'Encounter');
    const search = await eventually(
      async () => {
        const answer = await own(`Encounter?patient.identifier=${encodeURIComponent(patient)}`);
        return answer.status === 200 && answer.body['total'] === encounters.length ? answer : undefined;
      },
      { what: 'the Encounters of the patient' },
    );
    expect((search.body as Bundle).entry?.every((entry) => entry.resource?.resourceType === 'Encounter')).toBe(true);
    const start = String((encounters[0]['period'] as Json)['start']).slice(0, 10);
    const dayAfter = new Date(Date.parse(start) + 86_400_000).toISOString().slice(0, 10);
    expect((await own(`Encounter?patient.identifier=${encodeURIComponent(patient)}&date=ge${start}&date=lt${dayAfter}`)).body['total']).toBeGreaterThanOrEqual(
      1,
    );
    expect((await own(`Encounter?patient.identifier=${encodeURIComponent(patient)}&date=lt1900-01-01`)).body['total']).toBe(0);
    expect((await own(`Encounter?patient.identifier=${encodeURIComponent(patient)}&date=yesterday`)).status).toBe(400);
  });

  it('gives nobody else anything: another institution, a purpose other than HOPERAT, an unknown id', async () => {
    const other = await own(observationLocation.replace(/\/.*/, '/01a2a2a2-0000-7000-8000-000000000000'));
    expect(other.status).toBe(404);
    const foreign = await own(observationLocation, platform.systemToken(platform.reader));
    expect(foreign.status).toBe(404);
    const treat = await own(observationLocation, platform.systemToken(platform.holder), 'TREAT');
    expect(treat.status).toBe(403);
    expect((await decisionOf(treat)).data).toMatchObject({ effect: 'deny', httpStatus: 403 });
    expect((await platform.call(platform.access, 'GET', `/fhir/R4/${observationLocation}?purpose=HOPERAT`)).status).toBe(401);
  });
});
