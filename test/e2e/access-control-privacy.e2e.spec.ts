// Access control's promises about what it never lets through, end to end on the real broker and databases:
// probes of patients nobody holds answer like any patient out of reach, hostile input gets a 4xx that echoes
// nothing of the caller's, nothing a client chose or wrote in free text reaches a topic in the clear, and a read
// never silently leaves out a record the platform acknowledged before it.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import { topics, type EventOf, type MedshareEvent } from '@medshare/contracts';
import { issueInstitutionToken } from '@medshare/crypto';
import { BatchConsumer, createKafka, EventPublisher } from '@medshare/messaging';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { closeAll } from '../support/cleanup';
import { eventually } from '../support/eventually';
import { freePorts } from '../support/ports';
import { startService, stopAll, type RunningService } from '../support/service-processes';
import { transactionBundle } from '../support/bundles';

const run = randomUUID().replace(/-/g, '').slice(0, 8);
const { stateServer, kafkaBrokers } = testEndpoints();
const A = `a${run}`;
const B = `b${run}`;
const INSTITUTIONS = [A, B];
const NATIONAL = 'https://id.medshare.example/national-health-id';
const keys = new PlatformKeys(platformKeysSchema.parse({ INSTITUTIONS: INSTITUTIONS.join(',') }));
const databases = { ingestion: `ingestion_acp${run}`, encryption: `encryption_acp${run}`, access: `access_control_acp${run}` };
const sharedEnv = { INSTITUTIONS: INSTITUTIONS.join(','), LOG_LEVEL: 'warn' };
const encryptionSource = `encryption-${run}`;
/** Planted in every carrier a client controls; must never come back in an answer nor reach a topic in the clear. */
const CANARY = `Canary${run}`;

type Json = Record<string, unknown>;
const drA = { institution: A, id: `dr-a-${run}`, role: 'physician' };
const drB = { institution: B, id: `dr-b-${run}`, role: 'physician' };
const systemToken = (institution: string) => issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, ttlSeconds: 600 });
const tokenOf = (who: typeof drA) =>
  issueInstitutionToken(keys.institutionPrivateKey(who.institution), { institution: who.institution, practitioner: who.id, role: who.role, ttlSeconds: 600 });
const nationalIdOf = (key: string) => `N-${run}-${key}`;
const patientRef = (key: string) => `${NATIONAL}|${nationalIdOf(key)}`;

function patientBundle(key: string): Json {
  const patientUrl = `urn:uuid:${randomUUID()}`;
  const resources = [
    {
      resourceType: 'Patient',
      id: `pt-${run}-${key}`,
      identifier: [{ system: NATIONAL, value: nationalIdOf(key) }],
      gender: 'female',
      birthDate: '1980-04-01',
    },
    {
      resourceType: 'Condition',
      id: `cond-${key}`,
      subject: { reference: patientUrl },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] },
      recordedDate: '2023-05-01T10:00:00Z',
    },
  ];
  return transactionBundle(patientUrl, resources);
}

/** `count` more Observations of an already known patient (the Patient again, as an integration engine sends it). */
function observationsBundle(key: string, count: number): Json {
  const patientUrl = `urn:uuid:${randomUUID()}`;
  const observations = Array.from({ length: count }, () => ({
    resourceType: 'Observation',
    status: 'final',
    subject: { reference: patientUrl },
    effectiveDateTime: '2024-03-10T09:00:00Z',
    code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
    valueQuantity: { value: 5.4, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
  }));
  const patient = {
    resourceType: 'Patient',
    id: `pt-${run}-${key}`,
    identifier: [{ system: NATIONAL, value: nationalIdOf(key) }],
    gender: 'female',
    birthDate: '1980-04-01',
  };
  return transactionBundle(patientUrl, [patient, ...observations]);
}

function consentFor(key: string, extra: Json = {}): Json {
  return {
    resourceType: 'Consent',
    id: `c-${key}-${run}`,
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { identifier: { system: NATIONAL, value: nationalIdOf(key) } },
    policy: [{ uri: 'https://fhir.medshare.example/policy/sharing' }],
    provision: { type: 'permit', purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }] },
    ...extra,
  };
}

/** JSON text nested `depth` objects deep, built as text (no recursive stringify). */
function nestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

describe("access control keeps clients' ids, free text and probes to itself", () => {
  const services: RunningService[] = [];
  let access: RunningService;
  let ingestion: RunningService;
  let kafka: Kafka;
  let publisher: EventPublisher;
  let consumer: BatchConsumer;
  const decisions = new Map<string, EventOf<'access.decision.v1'>>();
  /** The raw JSON of every event this run's services published on the audited topics access control writes. */
  const published: string[] = [];

  beforeAll(async () => {
    kafka = createKafka({ brokers: kafkaBrokers, clientId: `access-privacy-e2e-${run}` });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
    consumer = new BatchConsumer(kafka, publisher, {
      groupId: `access-privacy-e2e-${run}`,
      topics: [topics.accessDecisions, topics.recordsDisclosed, topics.governanceAlerts, topics.consent, topics.grants],
      fromBeginning: false,
      handle: async (events) => {
        for (const { event } of events) collect(event);
      },
    });
    await consumer.start();

    const [encryptionPort, ingestionPort, accessPort] = await freePorts(4800, 5300, 3);
    services.push(
      await startService('encryption', {
        port: encryptionPort,
        instance: `encryption-acp-${run}`,
        env: {
          ...sharedEnv,
          DATABASE_URL: databaseUrl(stateServer, databases.encryption),
          KAFKA_GROUP_ID: `encryption-acp-${run}`,
          SERVICE_SOURCE: encryptionSource,
          SEALED_START: 'latest',
        },
      }),
    );
    ingestion = await startService('ingestion', {
      port: ingestionPort,
      instance: `ingestion-acp-${run}`,
      env: {
        ...sharedEnv,
        DATABASE_URL: databaseUrl(stateServer, databases.ingestion),
        KAFKA_GROUP_ID: `ingestion-acp-${run}`,
        SEALING_KEY_SOURCE: encryptionSource,
      },
    });
    services.push(ingestion);
    access = await startService('access-control', {
      port: accessPort,
      instance: `access-acp-${run}`,
      // Info level: its log lines are scanned for canaries too.
      env: {
        ...sharedEnv,
        LOG_LEVEL: 'info',
        DATABASE_URL: databaseUrl(stateServer, databases.access),
        KAFKA_GROUP_ID: `access-control-acp-${run}`,
        SEALING_KEY_SOURCE: encryptionSource,
      },
    });
    services.push(access);

    for (const who of [drA, drB]) expect((await post('/v1/roles', systemToken(who.institution), { practitioner: who.id, role: who.role })).status).toBe(201);
    const agreement = {
      id: `ag-${run}`,
      holder: A,
      reader: B,
      purposes: ['TREAT', 'ETREAT'],
      period: { start: '2024-01-01', end: '2099-12-31' },
      status: 'active',
    };
    expect((await post('/v1/agreements', systemToken(A), agreement)).status).toBe(201);
    expect((await ingest('held')).status).toBe(202);
    await eventually(async () => (await post('/v1/consents', systemToken(A), consentFor('held'))).status === 201 || undefined, {
      timeoutMs: 60_000,
      what: 'A to hold the patient and record the consent',
    });
  }, 240_000);

  afterAll(() =>
    closeAll([
      () => stopAll(services),
      () => consumer?.stop(),
      () => publisher?.disconnect(),
      ...Object.values(databases).map((database) => () => dropDatabase(stateServer, database)),
    ]),
  );

  function collect(event: MedshareEvent): void {
    published.push(JSON.stringify(event));
    if (event.type === 'access.decision.v1') decisions.set(event.data.decisionId, event);
  }

  const decisionEvent = (decisionId: string | null) =>
    eventually(() => (decisionId === null ? undefined : decisions.get(decisionId)), { what: `decision ${decisionId} on the decisions topic` });

  describe('a patient nobody holds', () => {
    it('is answered exactly like a held patient the requester may not see, and the probe is recorded', async () => {
      // B reaches A for TREAT only: for PUBHLTH the held patient is out of B's reach, as the unknown one is for anything.
      const held = await read(drB, patientRef('held'), 'PUBHLTH');
      const unknown = await read(drB, patientRef(`nobody-${randomUUID()}`), 'PUBHLTH');
      expect(unknown.status).toBe(403);
      expect(unknown.status).toBe(held.status);
      expect(await unknown.text()).toBe(await held.text());
      const event = await decisionEvent(unknown.headers.get('x-medshare-decision-id'));
      expect(event.data).toMatchObject({ effect: 'deny', httpStatus: 403, purpose: 'PUBHLTH' });
      expect(event.data.patient).toMatch(/^p-/);
    });

    it('is denied, not refused as bad input, for a purpose the requester could otherwise use', async () => {
      const response = await read(drB, patientRef(`nobody-${randomUUID()}`), 'TREAT');
      expect(response.status).toBe(403);
      expect((await decisionEvent(response.headers.get('x-medshare-decision-id'))).data.effect).toBe('deny');
      const asked = await post('/v1/decisions', tokenOf(drB), { patient: patientRef(`nobody-${randomUUID()}`), purpose: 'TREAT' });
      expect(asked.status).toBe(200);
      expect(await asked.json()).toMatchObject({ effect: 'deny', final: true, reachableHolders: [] });
    });
  });

  describe('ids and free text a client chose', () => {
    it('never reach a topic: platform ids and pseudonyms stand in, and re-submitting a client id updates its platform id', async () => {
      const named = { institution: B, id: `dr-${CANARY}`, role: 'physician' };
      expect((await post('/v1/roles', systemToken(B), { practitioner: named.id, role: named.role })).status).toBe(201);
      const agreement = { id: `ag-${CANARY}`, holder: A, reader: B, purposes: ['TREAT'], period: { start: '2024-01-01', end: '2099-12-31' }, status: 'active' };
      const recordedAgreement = await post('/v1/agreements', systemToken(A), agreement);
      expect(recordedAgreement.status).toBe(201);
      const agreementId = ((await recordedAgreement.json()) as Json)['id'];
      expect((await post('/v1/agreements', systemToken(A), { ...agreement, purposes: ['TREAT', 'ETREAT'] })).status).toBe(201);
      expect((await ingest('named')).status).toBe(202);
      const consent = consentFor('named', {
        id: `c-${CANARY}`,
        meta: { versionId: `v-${CANARY}` },
        category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: `Consent of ${CANARY}` }] }],
        policy: [{ authority: `https://${CANARY}.example`, uri: `https://forms.example/${CANARY}.pdf` }],
        provision: {
          type: 'permit',
          actor: [{ reference: { reference: `Practitioner/${named.id}` } }],
          purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT', display: CANARY }],
          // Codes are kept renamed, and records' codes renamed alike: the deny still matches the Condition.
          provision: [
            { type: 'deny', code: [{ coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] }] },
            {
              type: 'deny',
              code: [{ coding: [{ system: `https://${CANARY}.example/codes`, code: CANARY }] }],
              data: [{ meaning: 'instance', reference: { reference: `Observation/${CANARY}` } }],
            },
          ],
        },
      });
      const first = await eventually(
        async () => {
          const response = await post('/v1/consents', systemToken(A), consent);
          return response.status === 201 ? ((await response.json()) as Json) : undefined;
        },
        { timeoutMs: 60_000, what: 'A to hold the named patient and record its consent' },
      );
      const consentId = first['id'];
      expect(consentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
      expect(JSON.stringify(first)).not.toContain(CANARY);

      // The Condition may still be on its way (named pending): read until nothing is.
      const permitted = await eventually(
        async () => {
          const answer = await read(named, patientRef('named'), 'TREAT');
          return answer.headers.get('x-medshare-pending-types') === '' ? answer : undefined;
        },
        { what: 'a read of the named patient with nothing pending' },
      );
      expect(permitted.status).toBe(200);
      expect(permitted.headers.get('x-medshare-withheld-types')).toBe('Condition');
      expect(matchCount(await permitted.json())).toBe(1);
      expect((await decisionEvent(permitted.headers.get('x-medshare-decision-id'))).data).toMatchObject({ effect: 'permit', decidingConsent: consentId });
      const revoked = await post('/v1/consents', systemToken(A), { ...consent, status: 'inactive' });
      expect(revoked.status).toBe(201);
      expect(((await revoked.json()) as Json)['id']).toBe(consentId);
      expect((await read(named, patientRef('named'), 'TREAT')).status).toBe(403);

      const recorded = (type: string, id: unknown) => published.filter((text) => text.includes(`"type":"${type}"`) && text.includes(String(id)));
      await eventually(() => recorded('consent.recorded.v1', consentId).length === 2 || undefined, { what: 'both versions of the consent on its topic' });
      await eventually(() => recorded('grants.agreement-recorded.v1', agreementId).length === 2 || undefined, {
        what: 'both versions of the agreement on its topic',
      });
      expect(published.join('\n')).not.toContain(CANARY);
      expect(readFileSync(access.logFile, 'utf8')).not.toContain(CANARY);
    });
  });

  describe('break-glass reasons', () => {
    it("reach topics and the ledger only as a keyed hash and a sealed copy, and the requester's institution reads them back", async () => {
      const reason = `unconscious on arrival, ${CANARY} RTA`;
      const response = await read(drB, patientRef('held'), 'ETREAT', { reason });
      expect(response.status).toBe(200);
      const decisionId = response.headers.get('x-medshare-decision-id');
      const event = await decisionEvent(decisionId);
      expect(event.data).toMatchObject({
        breakGlass: true,
        breakGlassReasonHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        breakGlassReasonSealed: expect.objectContaining({ keyId: expect.any(String) }),
      });
      expect(event.data.breakGlassReason).toBeUndefined();

      const review = await fetch(`${access.baseUrl}/v1/decisions/${decisionId}/break-glass-reason`, { headers: { authorization: `Bearer ${systemToken(B)}` } });
      expect(review.status).toBe(200);
      const body = (await review.json()) as { reason: string; reasonHash: string; matchesLedger: boolean; reviewDecisionId: string };
      expect(body).toMatchObject({ reason, reasonHash: event.data.breakGlassReasonHash, matchesLedger: true });
      expect((await decisionEvent(body.reviewDecisionId)).data).toMatchObject({ effect: 'permit', purpose: 'HOPERAT', patient: event.data.patient });
      // Another institution, a practitioner who is not an admin, an unknown decision: refused alike, nothing opened.
      for (const token of [systemToken(A), tokenOf(drB)]) {
        const refused = await fetch(`${access.baseUrl}/v1/decisions/${decisionId}/break-glass-reason`, { headers: { authorization: `Bearer ${token}` } });
        expect(refused.status).toBe(403);
        expect(await refused.text()).not.toContain(CANARY);
      }
      expect(
        (await fetch(`${access.baseUrl}/v1/decisions/${randomUUID()}/break-glass-reason`, { headers: { authorization: `Bearer ${systemToken(B)}` } })).status,
      ).toBe(403);

      await eventually(() => published.some((text) => text.includes(body.reviewDecisionId)) || undefined, { what: 'the review on the decisions topic' });
      expect(published.join('\n')).not.toContain(CANARY);
      expect(readFileSync(access.logFile, 'utf8')).not.toContain(CANARY);
    });
  });

  describe('a read right after ingestion', () => {
    it('includes every record acknowledged before it, or names its type as pending (0 silent misses in 40 tries)', async () => {
      const TRIES = 40;
      const PER_TRY = 3;
      let acknowledged = 0;
      const outcomes = { complete: 0, pending: 0, silentMisses: 0 };
      for (let attempt = 0; attempt < TRIES; attempt++) {
        const response = await fetch(`${ingestion.baseUrl}/v1/fhir`, {
          method: 'POST',
          headers: { authorization: `Bearer ${systemToken(A)}`, 'content-type': 'application/fhir+json' },
          body: JSON.stringify(observationsBundle('held', PER_TRY)),
        });
        expect(response.status).toBe(202);
        acknowledged += PER_TRY;
        // No wait: the read goes out the moment ingestion acknowledged.
        const answer = await read(drB, patientRef('held'), 'TREAT', { types: 'Observation' });
        expect(answer.status).toBe(200);
        const returned = matchCount(await answer.json());
        const pending = answer.headers.get('x-medshare-pending-types')?.split(',').filter(Boolean) ?? [];
        const event = await decisionEvent(answer.headers.get('x-medshare-decision-id'));
        expect(event.data.pendingResourceTypes ?? []).toEqual(pending);
        if (returned === acknowledged) outcomes.complete += 1;
        else if (returned < acknowledged && pending.includes('Observation')) outcomes.pending += 1;
        else outcomes.silentMisses += 1;
      }
      expect(outcomes).toMatchObject({ silentMisses: 0 });
      expect(outcomes.complete + outcomes.pending).toBe(TRIES);
    });
  });

  describe('hostile input', () => {
    it.each([
      ['an agreement', '/v1/agreements'],
      ['a consent', '/v1/consents'],
      ['a role', '/v1/roles'],
      ['a decision question', '/v1/decisions'],
    ])('%s nested 3,000 levels deep is a 400, and the service stays up', async (_name, path) => {
      const token = path === '/v1/decisions' ? tokenOf(drB) : systemToken(A);
      const response = await fetch(`${access.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: nestedJson(3_000),
      });
      expect(response.status).toBe(400);
      // An OperationOutcome on the FHIR path (consents), problem+json elsewhere (service-kit's renderer).
      expect(response.headers.get('content-type')).toMatch(path === '/v1/consents' ? /^application\/fhir\+json/ : /^application\/problem\+json/);
      expect((await fetch(`${access.baseUrl}/health/live`)).status).toBe(200);
    });

    const badConsents: [string, (c: Json) => Json][] = [
      ['an invented element name', (c) => ({ ...c, [CANARY]: 'x' })],
      ['an unknown code', (c) => ({ ...c, status: CANARY })],
      ['an unknown coding system', (c) => ({ ...c, provision: { type: 'permit', purpose: [{ system: `https://${CANARY}.example`, code: 'TREAT' }] } })],
      ['a malformed dateTime', (c) => ({ ...c, dateTime: `2024-01-01T10:00:00${CANARY}` })],
      [
        'a malformed record reference',
        (c) => ({ ...c, provision: { type: 'permit', data: [{ meaning: 'instance', reference: { reference: `Observation/${CANARY}/x` } }] } }),
      ],
      ['a malformed consent id', (c) => ({ ...c, id: `${CANARY} !` })],
    ];
    it.each(badConsents)('a consent with %s is refused without echoing it', async (_name, change) => {
      const response = await post('/v1/consents', systemToken(A), change(consentFor('held')));
      expect(response.status).toBe(400);
      expect(await response.text()).not.toContain(CANARY);
    });

    it.each([
      [
        'an agreement with an invented element',
        '/v1/agreements',
        () => ({ id: `ag-x-${run}`, holder: A, reader: B, purposes: [CANARY], period: { start: '2024-01-01', end: CANARY }, status: 'active', [CANARY]: 1 }),
        systemToken(A),
      ],
      [
        'an agreement with an unregistered reader',
        '/v1/agreements',
        () => ({ id: `ag-r-${run}`, holder: A, reader: CANARY, purposes: ['TREAT'], period: { start: '2024-01-01', end: '2099-12-31' }, status: 'active' }),
        systemToken(A),
      ],
      [
        'an agreement for another holder',
        '/v1/agreements',
        () => ({ id: CANARY, holder: B, reader: A, purposes: ['TREAT'], period: { start: '2024-01-01', end: '2099-12-31' }, status: 'active' }),
        systemToken(A),
      ],
      ['a role with an invented element', '/v1/roles', () => ({ practitioner: `${CANARY}!`, role: CANARY, [CANARY]: 1 }), systemToken(A)],
      ['a decision question with an invented element', '/v1/decisions', () => ({ patient: patientRef('held'), purpose: CANARY, [CANARY]: 1 }), tokenOf(drB)],
    ] as [string, string, () => Json, string][])('%s is refused without echoing it', async (_name, path, body, token) => {
      const response = await post(path, token, body());
      expect([400, 403]).toContain(response.status);
      expect(await response.text()).not.toContain(CANARY);
    });

    it('a read with an invented search parameter or an unregistered practitioner echoes neither', async () => {
      const parameter = await fetch(`${access.baseUrl}/v1/patients/${encodeURIComponent(patientRef('held'))}/records?purpose=TREAT&${CANARY}=1`, {
        headers: { authorization: `Bearer ${tokenOf(drB)}` },
      });
      expect(parameter.status).toBe(400);
      expect(await parameter.text()).not.toContain(CANARY);
      const stranger = { institution: B, id: CANARY, role: 'physician' };
      const refused = await read(stranger, patientRef('held'), 'TREAT');
      expect(refused.status).toBe(403);
      expect(await refused.text()).not.toContain(CANARY);
      const event = await decisionEvent(refused.headers.get('x-medshare-decision-id'));
      expect(JSON.stringify(event)).not.toContain(CANARY);
    });
  });

  // --- helpers ---------------------------------------------------------------------------------------
  function matchCount(bundle: unknown): number {
    return ((bundle as { entry?: { search: { mode: string } }[] }).entry ?? []).filter((entry) => entry.search.mode === 'match').length;
  }

  function post(path: string, token: string, body: unknown): Promise<Response> {
    return fetch(`${access.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(body),
    });
  }

  function read(who: typeof drA, patient: string, purpose: string, extra: Record<string, string> = {}): Promise<Response> {
    const query = new URLSearchParams({ purpose, ...extra });
    return fetch(`${access.baseUrl}/v1/patients/${encodeURIComponent(patient)}/records?${query.toString()}`, {
      headers: { authorization: `Bearer ${tokenOf(who)}` },
    });
  }

  function ingest(key: string): Promise<Response> {
    return fetch(`${ingestion.baseUrl}/v1/fhir`, {
      method: 'POST',
      headers: { authorization: `Bearer ${systemToken(A)}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(patientBundle(key)),
    });
  }
});
