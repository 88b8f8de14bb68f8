// Access control end to end, as real processes on the real broker and databases: hospital records go in through
// ingestion and encryption, consents, agreements and roles through access control's HTTP API, and a scenario
// table of reads proves each decision and exactly which records leave (never one of a withheld type).
import { randomUUID, sign } from 'node:crypto';
import { Client } from 'pg';
import type { Kafka } from 'kafkajs';
import { envelope, topics, type EventOf, type MedshareEvent } from '@medshare/contracts';
import { DevKeyring, generateSealingKeyPair, generateSigningKeyPair, issueInstitutionToken, pseudonymise, signPermit } from '@medshare/crypto';
import { BatchConsumer, createKafka, EventPublisher, RequestReplyClient } from '@medshare/messaging';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { databaseUrl, testEndpoints } from '../support/endpoints';
import { closeAll } from '../support/cleanup';
import { eventually } from '../support/eventually';
import { freePorts } from '../support/ports';
import { startService, stopAll, type RunningService } from '../support/service-processes';
import { transactionBundle } from '../support/bundles';

const run = randomUUID().replace(/-/g, '').slice(0, 8);
const { stateServer, kafkaBrokers } = testEndpoints();
// Institutions of this run only: agreements and roles of other runs on the shared topics cannot leak in.
const A = `a${run}`;
const B = `b${run}`;
const C = `c${run}`;
const INSTITUTIONS = [A, B, C];
const NATIONAL = 'https://id.medshare.example/national-health-id';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ROLE_SYSTEM = 'https://fhir.medshare.example/CodeSystem/practitioner-role';
const keys = new PlatformKeys(platformKeysSchema.parse({ INSTITUTIONS: INSTITUTIONS.join(',') }));

const databases = {
  ingestion: `ingestion_tac${run}`,
  encryption: `encryption_tac${run}`,
  access: `access_control_tac${run}`,
  replay: `access_control_tac${run}_replay`,
};
/** Free ports of this run (set in beforeAll): concurrent runs of this spec must not answer each other. */
const ports = { ingestion: 0, encryption: 0, access1: 0, access2: 0, access3: 0 };
const sharedEnv = { INSTITUTIONS: INSTITUTIONS.join(','), LOG_LEVEL: 'warn' };
/** This run's encryption deployment: ingestion and access control seal only to the key it announces. */
const encryptionSource = `encryption-${run}`;

// --- people ---------------------------------------------------------------------------------------------
type Person = { institution: string; id: string; role: string };
const person = (institution: string, name: string, role: string): Person => ({ institution, id: `${name}-${run}`, role });
const drA = person(A, 'dr-a', 'physician');
const nurseA = person(A, 'nurse-a', 'nurse');
const drB = person(B, 'dr-b', 'physician');
const nurseB = person(B, 'nurse-b', 'nurse');
const billingB = person(B, 'billing-b', 'billing');
const researcherB = person(B, 'researcher-b', 'researcher');
const healthOfficerB = person(B, 'pho-b', 'public-health-officer');
const drC = person(C, 'dr-c', 'physician');
const PEOPLE = [drA, nurseA, drB, nurseB, billingB, researcherB, healthOfficerB, drC];

const systemToken = (institution: string) => issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, ttlSeconds: 600 });
const tokenOf = (who: Person, role = who.role) =>
  issueInstitutionToken(keys.institutionPrivateKey(who.institution), { institution: who.institution, practitioner: who.id, role, ttlSeconds: 600 });

// --- patients and their records ------------------------------------------------------------------------
/** Every patient has the same six records at A: what differs between scenarios is the consent. */
type RecordName = 'patient' | 'obs-recent' | 'obs-old' | 'obs-hiv' | 'cond' | 'med';
const nationalIdOf = (key: string) => `N-${run}-${key}`;
const patientRef = (key: string) => `${NATIONAL}|${nationalIdOf(key)}`;

function patientBundle(key: string) {
  const patientUrl = `urn:uuid:${randomUUID()}`;
  const subject = { reference: patientUrl };
  const glucose = { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose' }] };
  const observation = (id: string, date: string, security?: object[]) => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    code: glucose,
    subject,
    effectiveDateTime: date,
    valueQuantity: { value: 5.4, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
    ...(security && { meta: { security } }),
  });
  const resources = [
    {
      // Ingestion links patients by resource id too: each patient needs an id of its own.
      resourceType: 'Patient',
      id: `pt-${run}-${key}`,
      identifier: [
        { system: NATIONAL, value: nationalIdOf(key) },
        { system: `https://${A}.medshare.example/mrn`, value: `MRN-${key}` },
      ],
      name: [{ family: `Testperson${key}`, given: ['Ann'] }],
      gender: 'female',
      birthDate: '1980-04-01',
    },
    observation('obs-recent', '2024-03-10T09:00:00Z'),
    observation('obs-old', '2019-06-01T09:00:00Z'),
    observation('obs-hiv', '2024-02-01T09:00:00Z', [{ system: ACT_CODE, code: 'HIV' }]),
    {
      resourceType: 'Condition',
      id: 'cond',
      subject,
      code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' }] },
      recordedDate: '2023-05-01T10:00:00Z',
    },
    {
      resourceType: 'MedicationRequest',
      id: 'med',
      status: 'active',
      intent: 'order',
      subject,
      authoredOn: '2024-01-15T10:00:00Z',
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '860975', display: 'metformin' }] },
    },
  ];
  return transactionBundle(patientUrl, resources);
}

// --- consents ------------------------------------------------------------------------------------------
type Json = Record<string, unknown>;
const org = (id: string) => ({ reference: { reference: `Organization/${id}` } });
const practitioner = (who: Person) => ({ reference: { reference: `Practitioner/${who.id}` } });
const role = (code: string) => ({ role: { coding: [{ system: ROLE_SYSTEM, code }] } });
const purposes = (...codes: string[]) => codes.map((code) => ({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code }));
const classes = (...types: string[]) => types.map((code) => ({ system: 'http://hl7.org/fhir/resource-types', code }));

function consent(key: string, id: string, extra: Json, status = 'active'): Json {
  return {
    resourceType: 'Consent',
    id: `${id}-${key}-${run}`,
    status,
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { identifier: { system: NATIONAL, value: nationalIdOf(key) } },
    policy: [{ uri: 'https://fhir.medshare.example/policy/sharing' }],
    ...extra,
  };
}
const permit = (key: string, provision: Json, id = 'c') => consent(key, id, { provision: { type: 'permit', ...provision } });

/** Patient key → the consents its scenarios start from. */
const CONSENTS: Record<string, Json[]> = {
  orgB: [permit('orgB', { actor: [org(B)], purpose: purposes('TREAT') })],
  nestedDeny: [permit('nestedDeny', { purpose: purposes('TREAT'), provision: [{ type: 'deny', class: classes('Condition') }] })],
  exceptionToException: [
    permit('exceptionToException', {
      purpose: purposes('TREAT'),
      provision: [{ type: 'deny', class: classes('Observation'), provision: [{ type: 'permit', dataPeriod: { start: '2024-01-01' } }] }],
    }),
  ],
  hivNamed: [permit('hivNamed', { purpose: purposes('TREAT'), provision: [{ type: 'permit', securityLabel: [{ system: ACT_CODE, code: 'HIV' }] }] })],
  expired: [permit('expired', { purpose: purposes('TREAT'), period: { start: '2018-01-01', end: '2020-12-31' } })],
  revoked: [permit('revoked', { purpose: purposes('TREAT') }, 'rev')],
  physicians: [permit('physicians', { purpose: purposes('TREAT'), actor: [role('physician')] })],
  optOut: [consent('optOut', 'c', { policyRule: { coding: [{ system: ACT_CODE, code: 'OPTOUT' }] } })],
  research: [permit('research', { purpose: purposes('HRESCH'), actor: [org(B)] })],
  noConsent: [],
  ownPractitioner: [permit('ownPractitioner', { purpose: purposes('TREAT'), actor: [practitioner(drA)] })],
  draft: [consent('draft', 'c', { provision: { type: 'permit', purpose: purposes('TREAT') } }, 'draft')],
  collectOnly: [
    permit('collectOnly', {
      purpose: purposes('TREAT'),
      action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'collect' }] }],
    }),
  ],
  dataPeriod: [permit('dataPeriod', { purpose: purposes('TREAT'), dataPeriod: { start: '2024-01-01' } })],
  publicHealth: [permit('publicHealth', { purpose: purposes('PUBHLTH'), actor: [role('public-health-officer')] })],
  twoConsents: [
    permit('twoConsents', { purpose: purposes('TREAT') }, 'c1'),
    consent('twoConsents', 'c2', { provision: { type: 'deny', class: classes('MedicationRequest') } }),
  ],
  erased: [permit('erased', { purpose: purposes('TREAT') })],
};

// --- the scenario table ----------------------------------------------------------------------------------
interface Scenario {
  name: string;
  patient: keyof typeof CONSENTS;
  who: Person;
  purpose: string;
  types?: string;
  reason?: string;
  status: number;
  decision: 'permit' | 'deny';
  records: RecordName[];
  withheld?: string[];
}

const ALL_BUT_HIV: RecordName[] = ['patient', 'obs-recent', 'obs-old', 'cond', 'med'];
const REASON = 'unconscious on arrival, anticoagulants unknown';

const SCENARIOS: Scenario[] = [
  {
    name: 'a consent permitting org B for treatment releases all but the HIV-labelled record to B',
    patient: 'orgB',
    who: drB,
    purpose: 'TREAT',
    status: 200,
    decision: 'permit',
    records: ALL_BUT_HIV,
    withheld: ['Observation'],
  },
  {
    name: 'a type filter returns only that type',
    patient: 'orgB',
    who: drB,
    purpose: 'TREAT',
    types: 'Condition',
    status: 200,
    decision: 'permit',
    records: ['cond'],
  },
  {
    name: 'a purpose the consent does not list is denied (wrong purpose)',
    patient: 'orgB',
    who: drB,
    purpose: 'HPAYMT',
    status: 403,
    decision: 'deny',
    records: [],
  },
  {
    name: 'an institution without an agreement is denied even where the consent would allow',
    patient: 'orgB',
    who: drC,
    purpose: 'TREAT',
    status: 403,
    decision: 'deny',
    records: [],
  },
  {
    name: 'the holder itself is denied when the consent names another organisation',
    patient: 'orgB',
    who: drA,
    purpose: 'TREAT',
    status: 403,
    decision: 'deny',
    records: [],
  },
  {
    name: 'a nested deny withholds its class and nothing else',
    patient: 'nestedDeny',
    who: drB,
    purpose: 'TREAT',
    status: 200,
    decision: 'permit',
    records: ['patient', 'obs-recent', 'obs-old', 'med'],
    withheld: ['Condition', 'Observation'],
  },
  {
    name: 'asking only for the denied class leaves nothing: a deny without records',
    patient: 'nestedDeny',
    who: drB,
    purpose: 'TREAT',
    types: 'Condition',
    status: 200,
    decision: 'deny',
    records: [],
    withheld: ['Condition'],
  },
  {
    name: 'an exception to an exception re-permits recent observations only',
    patient: 'exceptionToException',
    who: drB,
    purpose: 'TREAT',
    status: 200,
    decision: 'permit',
    records: ['patient', 'obs-recent', 'cond', 'med'],
    withheld: ['Observation'],
  },
  {
    name: 'a provision naming HIV releases the HIV-labelled record',
    patient: 'hivNamed',
    who: drB,
    purpose: 'TREAT',
    status: 200,
    decision: 'permit',
    records: [...ALL_BUT_HIV, 'obs-hiv'],
  },
  { name: 'an expired provision period permits nothing', patient: 'expired', who: drB, purpose: 'TREAT', status: 403, decision: 'deny', records: [] },
  {
    name: 'a role-restricted consent permits a physician',
    patient: 'physicians',
    who: drB,
    purpose: 'TREAT',
    status: 200,
    decision: 'permit',
    records: ALL_BUT_HIV,
    withheld: ['Observation'],
  },
  {
    name: 'a role-restricted consent denies a nurse (wrong role)',
    patient: 'physicians',
    who: nurseB,
    purpose: 'TREAT',
    status: 403,
    decision: 'deny',
    records: [],
  },
  { name: 'an opt-out denies treatment reads', patient: 'optOut', who: drB, purpose: 'TREAT', status: 403, decision: 'deny', records: [] },
  {
    name: 'break-glass with a reason overrides an opt-out and label withholding',
    patient: 'optOut',
    who: drB,
    purpose: 'ETREAT',
    reason: REASON,
    status: 200,
    decision: 'permit',
    records: [...ALL_BUT_HIV, 'obs-hiv'],
  },
  {
    name: 'break-glass by a nurse with a reason is allowed too',
    patient: 'optOut',
    who: nurseB,
    purpose: 'ETREAT',
    reason: REASON,
    types: 'MedicationRequest',
    status: 200,
    decision: 'permit',
    records: ['med'],
  },
  { name: 'break-glass without a reason is refused', patient: 'optOut', who: drB, purpose: 'ETREAT', status: 403, decision: 'deny', records: [] },
  {
    name: 'break-glass with a blank reason is refused',
    patient: 'optOut',
    who: drB,
    purpose: 'ETREAT',
    reason: '   ',
    status: 403,
    decision: 'deny',
    records: [],
  },
  {
    name: 'break-glass by billing staff is refused',
    patient: 'optOut',
    who: billingB,
    purpose: 'ETREAT',
    reason: REASON,
    status: 403,
    decision: 'deny',
    records: [],
  },
  {
    name: 'break-glass never replaces a missing agreement',
    patient: 'optOut',
    who: drC,
    purpose: 'ETREAT',
    reason: REASON,
    status: 403,
    decision: 'deny',
    records: [],
  },
  {
    name: 'research reads are de-identified and still withhold sensitive labels',
    patient: 'research',
    who: researcherB,
    purpose: 'HRESCH',
    types: 'Patient,Observation',
    status: 200,
    decision: 'permit',
    records: ['patient', 'obs-recent', 'obs-old'],
    withheld: ['Observation'],
  },
  { name: 'a research consent does not permit treatment', patient: 'research', who: drB, purpose: 'TREAT', status: 403, decision: 'deny', records: [] },
  { name: 'without any consent a reader is denied by default', patient: 'noConsent', who: drB, purpose: 'TREAT', status: 403, decision: 'deny', records: [] },
  { name: 'without any consent even the holder is denied', patient: 'noConsent', who: drA, purpose: 'TREAT', status: 403, decision: 'deny', records: [] },
  {
    name: 'a consent naming one practitioner of the holder permits them without an agreement',
    patient: 'ownPractitioner',
    who: drA,
    purpose: 'TREAT',
    status: 200,
    decision: 'permit',
    records: ALL_BUT_HIV,
    withheld: ['Observation'],
  },
  {
    name: 'a consent naming one practitioner denies a colleague',
    patient: 'ownPractitioner',
    who: nurseA,
    purpose: 'TREAT',
    status: 403,
    decision: 'deny',
    records: [],
  },
  { name: 'a draft consent permits nothing', patient: 'draft', who: drB, purpose: 'TREAT', status: 403, decision: 'deny', records: [] },
  {
    name: 'a provision for the collect action does not apply to reads',
    patient: 'collectOnly',
    who: drB,
    purpose: 'TREAT',
    status: 403,
    decision: 'deny',
    records: [],
  },
  {
    name: 'a dataPeriod releases records dated inside it only (undated records are not covered)',
    patient: 'dataPeriod',
    who: drB,
    purpose: 'TREAT',
    status: 200,
    decision: 'permit',
    records: ['obs-recent', 'med'],
    withheld: ['Condition', 'Observation', 'Patient'],
  },
  {
    name: 'a public-health consent permits the public-health officer',
    patient: 'publicHealth',
    who: healthOfficerB,
    purpose: 'PUBHLTH',
    types: 'Observation',
    status: 200,
    decision: 'permit',
    records: ['obs-recent', 'obs-old'],
    withheld: ['Observation'],
  },
  {
    name: 'a deny in one consent wins over a permit in another, per record',
    patient: 'twoConsents',
    who: drB,
    purpose: 'TREAT',
    status: 200,
    decision: 'permit',
    records: ['patient', 'obs-recent', 'obs-old', 'cond'],
    withheld: ['MedicationRequest', 'Observation'],
  },
  {
    name: 'a practitioner of an institution without agreement is refused for research too',
    patient: 'research',
    who: drC,
    purpose: 'HRESCH',
    status: 403,
    decision: 'deny',
    records: [],
  },
];

// --- harness ---------------------------------------------------------------------------------------------
describe('access control as a process', () => {
  const services: RunningService[] = [];
  let access1: RunningService;
  let access2: RunningService;
  let kafka: Kafka;
  let publisher: EventPublisher;
  let auditConsumer: BatchConsumer;
  const decisions = new Map<string, EventOf<'access.decision.v1'>>();
  const disclosures = new Map<string, EventOf<'records.disclosed.v1'>>();
  const alerts: EventOf<'governance.alert.v1'>[] = [];

  beforeAll(async () => {
    [ports.ingestion, ports.encryption, ports.access1, ports.access2, ports.access3] = await freePorts(4300, 4800, 5);
    kafka = createKafka({ brokers: kafkaBrokers, clientId: `access-e2e-${run}` });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
    auditConsumer = new BatchConsumer(kafka, publisher, {
      groupId: `access-e2e-audit-${run}`,
      topics: [topics.accessDecisions, topics.recordsDisclosed, topics.governanceAlerts],
      fromBeginning: false,
      handle: async (events) => {
        for (const { event } of events) collect(event);
      },
    });
    await auditConsumer.start();

    services.push(
      await startService('encryption', {
        port: ports.encryption,
        instance: `encryption-ac-${run}`,
        env: {
          ...sharedEnv,
          DATABASE_URL: databaseUrl(stateServer, databases.encryption),
          KAFKA_GROUP_ID: `encryption-ac-${run}`,
          SERVICE_SOURCE: encryptionSource,
          SEALED_START: 'latest',
        },
      }),
    );
    services.push(
      await startService('ingestion', {
        port: ports.ingestion,
        instance: `ingestion-ac-${run}`,
        env: {
          ...sharedEnv,
          DATABASE_URL: databaseUrl(stateServer, databases.ingestion),
          KAFKA_GROUP_ID: `ingestion-ac-${run}`,
          SEALING_KEY_SOURCE: encryptionSource,
        },
      }),
    );
    const accessEnv = {
      ...sharedEnv,
      DATABASE_URL: databaseUrl(stateServer, databases.access),
      KAFKA_GROUP_ID: `access-control-ac-${run}`,
      SEALING_KEY_SOURCE: encryptionSource,
    };
    access1 = await startService('access-control', { port: ports.access1, instance: `access-1-${run}`, env: accessEnv });
    access2 = await startService('access-control', { port: ports.access2, instance: `access-2-${run}`, env: accessEnv });
    services.push(access1, access2);

    for (const who of PEOPLE) {
      expect((await post(access1, '/v1/roles', systemToken(who.institution), { practitioner: who.id, role: who.role })).status).toBe(201);
    }
    const agreement = {
      id: `ag-${run}`,
      holder: A,
      reader: B,
      purposes: ['TREAT', 'ETREAT', 'HRESCH', 'PUBHLTH', 'HPAYMT'],
      period: { start: '2024-01-01', end: '2099-12-31' },
      status: 'active',
    };
    expect((await post(access1, '/v1/agreements', systemToken(A), agreement)).status).toBe(201);

    for (const key of Object.keys(CONSENTS)) {
      const response = await fetch(`http://127.0.0.1:${ports.ingestion}/v1/fhir`, {
        method: 'POST',
        headers: { authorization: `Bearer ${systemToken(A)}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify(patientBundle(key)),
      });
      expect(response.status).toBe(202);
    }
    // Consents can only be submitted once access control knows A holds the patient (records.encrypted seen).
    for (const [key, consents] of Object.entries(CONSENTS)) {
      await awaitHeld(access1, key);
      for (const resource of consents) {
        const response = await post(access1, '/v1/consents', systemToken(A), resource);
        expect(response.status).toBe(201);
      }
    }
    await awaitHeld(access2, 'noConsent');
  }, 240_000);

  afterAll(() =>
    closeAll([() => stopAll(services), () => auditConsumer?.stop(), () => publisher?.disconnect(), () => dropDatabases(Object.values(databases))]),
  );

  function collect(event: MedshareEvent): void {
    if (event.type === 'access.decision.v1') decisions.set(event.data.decisionId, event);
    else if (event.type === 'records.disclosed.v1') disclosures.set(event.data.decisionId, event);
    else if (event.type === 'governance.alert.v1' && event.data.kind === 'break-glass') alerts.push(event);
  }

  async function awaitHeld(service: RunningService, key: string): Promise<void> {
    await eventually(
      async () => {
        const answer = await ask(service, drA, key, 'TREAT');
        return answer.body.reachableHolders?.includes(A) || undefined;
      },
      { timeoutMs: 60_000, what: `${service.name} to see the records of patient ${key}` },
    );
  }

  const decisionEvent = (decisionId: string | null) =>
    eventually(() => (decisionId === null ? undefined : decisions.get(decisionId)), { what: `decision ${decisionId} on the decisions topic` });

  it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('%s', async (_name, scenario) => {
    const response = await read(access1, scenario.who, scenario.patient, scenario.purpose, { types: scenario.types, reason: scenario.reason });
    const body = (await response.json()) as Json;
    expect(response.status).toBe(scenario.status);
    const decisionId = response.headers.get('x-medshare-decision-id');
    const event = await decisionEvent(decisionId);
    expect(event.data.effect).toBe(scenario.decision);
    expect(event.data.breakGlass).toBe(scenario.purpose === 'ETREAT');
    const released = matches(body);
    expect(released.map(recordName).sort()).toEqual([...scenario.records].sort());
    if (scenario.status === 200) {
      expect(response.headers.get('x-medshare-decision')).toBe(scenario.decision);
      expect(response.headers.get('x-medshare-withheld-types')?.split(',').filter(Boolean)).toEqual(scenario.withheld ?? []);
      expect(event.data.withheldResourceTypes).toEqual(scenario.withheld ?? []);
    }
    // Nothing of a type the decision withheld, nothing carrying a label nobody released.
    const requestedTypes = scenario.types?.split(',');
    for (const resource of released) {
      if (requestedTypes) expect(requestedTypes).toContain(resource['resourceType']);
      if (!scenario.records.includes('obs-hiv')) expect(JSON.stringify(resource)).not.toContain('"HIV"');
    }
    if (scenario.records.length > 0) {
      const disclosure = await eventually(() => disclosures.get(decisionId ?? ''), { what: 'the disclosure event' });
      expect(disclosure.data.records).toHaveLength(scenario.records.length);
      expect(disclosure.data.records.every((record) => record.institution === A)).toBe(true);
    } else {
      expect(disclosures.has(decisionId ?? '')).toBe(false);
    }
    if (scenario.purpose === 'HRESCH' && released.length > 0) {
      const text = JSON.stringify(released);
      for (const identifying of ['"name"', '"identifier"', 'Testperson', nationalIdOf(scenario.patient)]) expect(text).not.toContain(identifying);
      expect(disclosures.get(decisionId ?? '')?.data.deIdentified).toBe(true);
    }
    if (scenario.purpose === 'ETREAT') {
      const alert = await eventually(() => alerts.find((candidate) => candidate.data.details?.['decisionId'] === decisionId), {
        what: 'the break-glass alert',
      });
      expect(alert.data.severity).toBe(scenario.decision === 'permit' ? 'critical' : 'warning');
      // The reason is free text: a keyed hash and a copy sealed to the encryption service, never the words.
      expect(event.data.breakGlassReason).toBeUndefined();
      if (scenario.reason?.trim())
        expect(event.data).toMatchObject({
          breakGlassReasonHash: expect.stringMatching(/^[0-9a-f]{64}$/),
          breakGlassReasonSealed: expect.objectContaining({ suite: expect.any(String) }),
        });
    }
  });

  it('has a table of at least 30 scenarios', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(30);
  });

  it("reads a patient sent with national id and MRN by the holder's MRN: the link ingestion published resolves it", async () => {
    const mrn = `https://${A}.medshare.example/mrn|MRN-ownPractitioner`;
    const response = await eventually(
      async () => {
        const answer = await fetch(`${access1.baseUrl}/v1/patients/${encodeURIComponent(mrn)}/records?purpose=TREAT`, { headers: authorization(tokenOf(drA)) });
        return answer.status === 200 ? answer : undefined;
      },
      { what: 'a read by MRN to find the patient filed under the national id' },
    );
    expect(
      matches(await response.json())
        .map(recordName)
        .sort(),
    ).toEqual([...ALL_BUT_HIV].sort());
    const event = await decisionEvent(response.headers.get('x-medshare-decision-id'));
    expect(event.data).toMatchObject({ effect: 'permit', patient: pseudonymOf('ownPractitioner') });
  });

  it('answers POST /v1/decisions without reading, and records the decision', async () => {
    const permitted = await ask(access1, drB, 'orgB', 'TREAT');
    expect(permitted.status).toBe(200);
    expect(permitted.body).toMatchObject({ effect: 'permit', final: false, breakGlass: false, reachableHolders: [A] });
    const denied = await ask(access1, drC, 'orgB', 'TREAT');
    expect(denied.body).toMatchObject({ effect: 'deny', final: true });
    expect((await decisionEvent(denied.body.decisionId ?? null)).data.effect).toBe('deny');
  });

  it('revokes a consent for the very next request on the instance that took it, and on every instance after the topic', async () => {
    const before = await read(access1, drB, 'revoked', 'TREAT');
    expect(before.status).toBe(200);
    expect(matches(await before.json())).toHaveLength(ALL_BUT_HIV.length);
    const revocation = { ...(CONSENTS.revoked?.[0] as Json), status: 'inactive' };
    expect((await post(access1, '/v1/consents', systemToken(A), revocation)).status).toBe(201);
    const next = await read(access1, drB, 'revoked', 'TREAT');
    expect(next.status).toBe(403);
    await eventually(async () => (await read(access2, drB, 'revoked', 'TREAT')).status === 403 || undefined, {
      what: 'the second instance to apply the revocation',
    });
  });

  it('rebuilds the same decisions from the topics into an empty database, and resumes from PostgreSQL after a restart', async () => {
    const probes: [Person, string, string][] = [
      [drB, 'orgB', 'TREAT'],
      [drB, 'revoked', 'TREAT'],
      [drB, 'optOut', 'TREAT'],
      [drC, 'orgB', 'TREAT'],
      [drB, 'research', 'HRESCH'],
    ];
    const answers = async (service: RunningService) =>
      Promise.all(probes.map(async ([who, key, purpose]) => (await ask(service, who, key, purpose)).body.effect));
    const expected = await answers(access1);
    expect(expected).toEqual(['permit', 'deny', 'deny', 'deny', 'permit']);
    const replayed = await startService('access-control', {
      port: ports.access3,
      instance: `access-3-${run}`,
      env: {
        ...sharedEnv,
        DATABASE_URL: databaseUrl(stateServer, databases.replay),
        KAFKA_GROUP_ID: `access-control-ac-${run}`,
        SEALING_KEY_SOURCE: encryptionSource,
      },
    });
    services.push(replayed);
    expect(await answers(replayed)).toEqual(expected);
    await access2.stop();
    access2 = await startService('access-control', {
      port: ports.access2,
      instance: `access-2-${run}`,
      env: {
        ...sharedEnv,
        DATABASE_URL: databaseUrl(stateServer, databases.access),
        KAFKA_GROUP_ID: `access-control-ac-${run}`,
        SEALING_KEY_SOURCE: encryptionSource,
      },
    });
    services.push(access2);
    expect(await answers(access2)).toEqual(expected);
  });

  it.each([
    ['a forged signature', 401, () => `${tokenOf(drB).slice(0, -6)}AAAAAA`],
    [
      'an expired token',
      401,
      () =>
        issueInstitutionToken(
          keys.institutionPrivateKey(B),
          { institution: B, practitioner: drB.id, role: 'physician', ttlSeconds: 1 },
          new Date(Date.now() - 60_000),
        ),
    ],
    [
      'an unknown issuer',
      401,
      () =>
        issueInstitutionToken(new DevKeyring('another-seed', ['zz-unknown']).privateKeyOf('zz-unknown'), {
          institution: 'zz-unknown',
          practitioner: drB.id,
          role: 'physician',
          ttlSeconds: 600,
        }),
    ],
    ['no token at all', 401, () => ''],
    ['one institution claiming another', 403, () => crossInstitutionToken()],
    ['a role that is not the registered one', 403, () => tokenOf(drB, 'nurse')],
    [
      'a practitioner of another institution',
      403,
      () => issueInstitutionToken(keys.institutionPrivateKey(C), { institution: C, practitioner: drB.id, role: 'physician', ttlSeconds: 600 }),
    ],
  ] as [string, number, () => string][])('refuses %s with %i, leaves a denial event and discloses nothing', async (_name, status, makeToken) => {
    const response = await fetch(`${access1.baseUrl}/v1/patients/${encodeURIComponent(patientRef('orgB'))}/records?purpose=TREAT`, {
      headers: authorization(makeToken()),
    });
    expect(response.status).toBe(status);
    const body = (await response.json()) as Json;
    expect(body['resourceType']).toBe('OperationOutcome');
    const decisionId = response.headers.get('x-medshare-decision-id');
    const event = await decisionEvent(decisionId);
    expect(event.data).toMatchObject({ effect: 'deny', httpStatus: status });
    expect(disclosures.has(decisionId ?? '')).toBe(false);
  });

  it.each([
    ['an unknown purpose', 'purpose=FOO'],
    ['a purpose in the wrong case', 'purpose=treat'],
    ['an unknown resource type', 'purpose=TREAT&types=Observations'],
    ['an unknown search parameter', 'purpose=TREAT&date=2024'],
  ])('answers 400 with an OperationOutcome for %s', async (_name, query) => {
    const response = await fetch(`${access1.baseUrl}/v1/patients/${encodeURIComponent(patientRef('orgB'))}/records?${query}`, {
      headers: authorization(tokenOf(drB)),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json)['resourceType']).toBe('OperationOutcome');
  });

  it.each([
    ['an unknown element', (c: Json) => ({ ...c, period: { start: '2020-01-01' } }), 400],
    ['a wrong-case status', (c: Json) => ({ ...c, status: 'Active' }), 400],
    ['an empty array', (c: Json) => ({ ...c, category: [] }), 400],
    ['a patient by local literal reference', (c: Json) => ({ ...c, patient: { reference: 'Patient/123' } }), 400],
    ['a time without offset', (c: Json) => ({ ...c, dateTime: '2024-01-01T10:00:00' }), 400],
    ['a patient the institution does not hold', (c: Json) => ({ ...c, patient: { identifier: { system: NATIONAL, value: `N-${run}-nobody` } } }), 403],
  ])('refuses a consent with %s and records nothing', async (_name, change, status) => {
    const base = permit('orgB', { purpose: purposes('TREAT') }, `bad-${randomUUID().slice(0, 6)}`);
    const response = await post(access1, '/v1/consents', systemToken(A), change(base));
    expect(response.status).toBe(status);
    expect(((await response.json()) as Json)['resourceType']).toBe('OperationOutcome');
    // The patient still has only the consent they had: org B still reads, and for TREAT only.
    expect((await ask(access1, drB, 'orgB', 'TREAT')).body.effect).toBe('permit');
  });

  it('refuses a consent from an institution that does not hold the patient', async () => {
    const response = await post(access1, '/v1/consents', systemToken(B), permit('orgB', { purpose: purposes('TREAT') }, 'foreign'));
    expect(response.status).toBe(403);
  });

  it('refuses an agreement recorded by anyone but the holder', async () => {
    const agreement = {
      id: `ag-forged-${run}`,
      holder: A,
      reader: C,
      purposes: ['TREAT'],
      period: { start: '2024-01-01', end: '2099-12-31' },
      status: 'active',
    };
    expect((await post(access1, '/v1/agreements', systemToken(C), agreement)).status).toBe(403);
    expect((await ask(access1, drC, 'orgB', 'TREAT')).body.effect).toBe('deny');
  });

  it('answers 410 for an erased patient and discloses nothing', async () => {
    const shred = await fetch(`http://127.0.0.1:${ports.encryption}/v1/patients/${pseudonymOf('erased')}/shred`, {
      method: 'POST',
      headers: { authorization: 'Bearer medshare-dev-operator-token-not-secret', 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'GDPR-Art.17:withdrawal-e2e' }),
    });
    expect(shred.status).toBeLessThan(300);
    const response = await eventually(
      async () => {
        const answer = await read(access1, drB, 'erased', 'TREAT');
        return answer.status === 410 ? answer : undefined;
      },
      { what: 'reads of the shredded patient to answer 410' },
    );
    const decisionId = response.headers.get('x-medshare-decision-id');
    expect((await decisionEvent(decisionId)).data.effect).toBe('deny');
    expect(disclosures.has(decisionId ?? '')).toBe(false);
  });

  describe('the encryption service without a valid permit', () => {
    let client: RequestReplyClient;
    beforeAll(async () => {
      client = new RequestReplyClient(kafka, publisher, { requests: topics.decryptRequests, replies: topics.decryptReplies }, { service: `access-e2e-${run}` });
      await client.start();
    });
    afterAll(async () => client.stop());

    const replyPair = generateSealingKeyPair();
    const fields = () => ({
      decisionId: randomUUID(),
      requester: { institution: B, practitioner: drB.id },
      patient: pseudonymOf('orgB'),
      resourceTypes: ['Observation'],
      purpose: 'TREAT',
      replyKeyId: replyPair.keyId,
    });
    const inThirtySeconds = () => new Date(Date.now() + 30_000).toISOString();

    it.each([
      [
        'a permit signed by another key',
        async () => signPermit(generateSigningKeyPair().privateKey, { ...fields(), expiresAt: inThirtySeconds() }),
        replyPair.publicKeyB64,
        'permit bad-signature',
      ],
      [
        'an expired permit signed by access control',
        async () => signPermit(keys.permitPrivateKey(), { ...fields(), expiresAt: new Date(Date.now() - 1_000).toISOString() }),
        replyPair.publicKeyB64,
        'permit expired',
      ],
      ['no permit, just text', async () => 'no-permit', replyPair.publicKeyB64, 'permit malformed'],
      [
        'a valid permit presented with another reply key than the one it names',
        async () => signPermit(keys.permitPrivateKey(), { ...fields(), expiresAt: inThirtySeconds() }),
        generateSealingKeyPair().publicKeyB64,
        'replyKey is not the reply key the permit names',
      ],
    ])('refuses %s', async (_name, makePermit, replyKey, reason) => {
      const request = envelope('encryption.decrypt-requested.v1', 'access-e2e', { permit: await makePermit(), replyKey });
      const reply = await client.request(request, 20_000);
      expect(reply.type).toBe('encryption.decrypt-replied.v1');
      expect(reply.data).toEqual({ outcome: 'refused', reason });
    });
  });

  // --- HTTP helpers ---------------------------------------------------------------------------------
  function authorization(token: string): Record<string, string> {
    return token === '' ? {} : { authorization: `Bearer ${token}` };
  }

  function post(service: RunningService, path: string, token: string, body: unknown): Promise<Response> {
    return fetch(`${service.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...authorization(token), 'content-type': 'application/fhir+json' },
      body: JSON.stringify(body),
    });
  }

  function read(
    service: RunningService,
    who: Person,
    key: string,
    purpose: string,
    options: { types?: string | undefined; reason?: string | undefined } = {},
  ): Promise<Response> {
    const query = new URLSearchParams({
      purpose,
      ...(options.types && { types: options.types }),
      ...(options.reason !== undefined && { reason: options.reason }),
    });
    return fetch(`${service.baseUrl}/v1/patients/${encodeURIComponent(patientRef(key))}/records?${query.toString()}`, { headers: authorization(tokenOf(who)) });
  }

  async function ask(
    service: RunningService,
    who: Person,
    key: string,
    purpose: string,
  ): Promise<{ status: number; body: { decisionId?: string; effect?: string; reachableHolders?: string[] } & Json }> {
    const response = await post(service, '/v1/decisions', tokenOf(who), { patient: patientRef(key), purpose });
    return { status: response.status, body: (await response.json()) as { decisionId?: string; effect?: string } & Json };
  }
});

/** The scenario name of a returned record: resources keep their ids, the Patient's is per patient. */
function recordName(resource: Json): string {
  return resource['resourceType'] === 'Patient' ? 'patient' : String(resource['id']);
}

function matches(body: unknown): Json[] {
  const entries = (body as { entry?: { resource: Json; search: { mode: string } }[] }).entry ?? [];
  return entries.filter((entry) => entry.search.mode === 'match').map((entry) => entry.resource);
}

function pseudonymOf(key: string): string {
  return pseudonymise(keys.pseudonymKey(), NATIONAL, nationalIdOf(key), A);
}

/** Signed by B's own key, so the signature verifies, but claiming to be A. */
function crossInstitutionToken(): string {
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'medshare-institution+jwt', kid: B })).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const payload = Buffer.from(
    JSON.stringify({ iss: A, sub: `Practitioner/${drA.id}`, aud: 'medshare', iat: now, exp: now + 600, jti: randomUUID(), role: 'physician' }),
  ).toString('base64url');
  return `${header}.${payload}.${sign(null, Buffer.from(`${header}.${payload}`), keys.institutionPrivateKey(B)).toString('base64url')}`;
}

async function dropDatabases(names: string[]): Promise<void> {
  const client = new Client({ connectionString: databaseUrl(stateServer, 'postgres') });
  await client.connect();
  try {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
