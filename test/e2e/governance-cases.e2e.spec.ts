// The case workflow over HTTP: the queue and its filters, a case with its alerts and timeline, and an officer
// acknowledging, assigning, writing a sealed note and closing it, each step a governance.case.v1 event on the
// audited cases topic. Who sees and who handles: the case's institution handles it, an institution holding the
// patient's records reads it, another sees nothing, the operator reads everything without patient pseudonyms.
import { randomBytes, randomUUID } from 'node:crypto';
import { envelope, topics, type EventOf } from '@medshare/contracts';
import { issueInstitutionToken } from '@medshare/crypto';
import { createKafka, EventPublisher } from '@medshare/messaging';
import { DEV_OPERATOR_TOKEN, PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { closeAll } from '../support/cleanup';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { signIn, startOidcProvider, type RunningOidcProvider } from '../support/oidc-provider';
import { freePorts } from '../support/ports';
import { startService, type RunningService } from '../support/service-processes';
import { startGovernanceSideGroupsAtEnd } from '../support/governance-groups';
import { readTopic, topicEnds, type Offsets } from '../support/topic-reader';

const run = randomUUID().slice(0, 8);
const { kafkaBrokers, stateServer } = testEndpoints();
const databaseName = `governance_cases_${randomBytes(6).toString('hex')}`;
const keys = new PlatformKeys(platformKeysSchema.parse({}));
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const pseudonym = (prefix: string, length = 32) => `${prefix}-${Array.from(randomBytes(length), (byte) => BASE32[byte % 32]).join('')}`;
const patient = pseudonym('p');
const practitioner = pseudonym('pr', 20);
const otherPractitioner = pseudonym('pr', 20);
const NOTE = `called the ward about the patient, ${randomUUID()}`;

const bearer = (institution: string) =>
  `Bearer ${issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, practitioner: `po-${run}`, role: 'privacy-officer', ttlSeconds: 600 })}`;
const OPERATOR = `Bearer ${DEV_OPERATOR_TOKEN}`;

function alert(kind: EventOf<'governance.alert.v1'>['data']['kind'], institution: string, details: Record<string, string>): EventOf<'governance.alert.v1'> {
  return envelope('governance.alert.v1', 'governance', {
    alertId: `cases-${run}-${randomUUID()}`,
    kind,
    severity: 'warning',
    summary: `test ${kind}`,
    institution,
    details,
  });
}

/** hosp-b holds a record of the patient: its officers read cases about that patient. */
const heldByHospB: EventOf<'records.encrypted.v1'> = envelope(
  'records.encrypted.v1',
  'ingestion',
  {
    recordId: randomUUID(),
    institution: 'hosp-b',
    patient,
    resourceType: 'Observation',
    eventTime: new Date().toISOString(),
    contentHash: 'a'.repeat(64),
    dekId: `dek-${run}`,
    iv: 'AAAAAAAAAAAAAAAA',
    ciphertext: 'AAAA',
    tag: 'AAAAAAAAAAAAAAAAAAAAAA==',
  },
  { subject: patient },
);

interface Case {
  caseId: string;
  institution: string;
  practitioner: string | null;
  patient: string | null;
  kinds: string[];
  state: string;
  assignee: string | null;
  alerts: { details: Record<string, unknown> | null }[];
  timeline: { eventId: string; action: string; state: string; actor: string | null; noteId: string | null }[];
}

describe('governance cases over HTTP', () => {
  let oidc: RunningOidcProvider;
  let governance: RunningService;
  let base: string;
  let caseId: string;
  let casesFrom: Offsets;
  const started = new Date(Date.now() - 60_000);
  const kafka = createKafka({ brokers: kafkaBrokers, clientId: `governance-cases-${run}` });

  const call = async (path: string, authorization: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const casesOf = async (authorization: string, query = '') => {
    const { status, body } = await call(`/v1/cases?practitioner=${practitioner}${query}`, authorization);
    expect(status).toBe(200);
    return body.cases as Case[];
  };

  beforeAll(async () => {
    const [oidcPort, governancePort] = await freePorts(48_000, 49_000, 2);
    base = `http://127.0.0.1:${governancePort}`;
    oidc = await startOidcProvider(oidcPort, [`${base}/auth/callback`]);
    // The analysts' audit projection is not what this test is about: it starts at the shared topics' end.
    await startGovernanceSideGroupsAtEnd(kafka, `governance-cases-${run}`);
    governance = await startService('governance', {
      port: governancePort,
      instance: `governance-cases-${run}`,
      env: {
        DATABASE_URL: databaseUrl(stateServer, databaseName),
        KAFKA_GROUP_ID: `governance-cases-${run}`,
        OIDC_ISSUER: oidc.issuer,
        PUBLIC_URL: base,
        DECISIONS_REPLAY_MS: '60000',
      },
    });
    casesFrom = await topicEnds(kafka, topics.governanceCases.name);
    const publisher = new EventPublisher(kafka);
    await publisher.connect();
    await publisher.publish(topics.recordsEncrypted, [heldByHospB]);
    await publisher.publish(topics.governanceAlerts, [
      alert('self-access', 'hosp-a', { practitioner, patient }),
      alert('off-hours', 'hosp-a', { practitioner, patient }),
      alert('coworker-access', 'hosp-c', { practitioner: otherPractitioner, patient: pseudonym('p') }),
    ]);
    await publisher.disconnect();
    const [found] = await eventually(
      async () => {
        const cases = await casesOf(OPERATOR);
        const others = (await call(`/v1/cases?practitioner=${otherPractitioner}`, OPERATOR)).body.cases as Case[];
        return cases.length === 1 && cases[0].kinds.length === 2 && others.length === 1 ? cases : undefined;
      },
      { what: "the two alerts grouped into hosp-a's case, and hosp-c's case", timeoutMs: 30_000 },
    );
    caseId = found.caseId;
  }, 120_000);

  afterAll(() => closeAll([() => governance?.stop(), () => oidc?.stop(), () => dropDatabase(stateServer, databaseName)]));

  it("lists the case for the officers of the practitioner's institution, with filters", async () => {
    const [listed] = await casesOf(bearer('hosp-a'));
    expect(listed).toMatchObject({ caseId, institution: 'hosp-a', practitioner, patient, kinds: ['off-hours', 'self-access'], state: 'open' });
    expect(await casesOf(bearer('hosp-a'), '&state=open,acknowledged&kind=self-access&severity=warning')).toHaveLength(1);
    expect(await casesOf(bearer('hosp-a'), '&state=closed-violation')).toEqual([]);
    expect(await casesOf(bearer('hosp-a'), '&kind=vip-access')).toEqual([]);
    expect(await casesOf(bearer('hosp-a'), `&since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    // The operator reads every case, never a patient's pseudonym.
    expect((await casesOf(OPERATOR))[0]).toMatchObject({ caseId, patient: null });
    // hosp-c's officer does not see hosp-a's case; hosp-a's does not see hosp-c's.
    expect(await casesOf(bearer('hosp-c'))).toEqual([]);
    const hospC = await call(`/v1/cases?practitioner=${otherPractitioner}`, bearer('hosp-c'));
    expect((hospC.body.cases as Case[]).map((found) => found.institution)).toEqual(['hosp-c']);
    expect((await call(`/v1/cases?practitioner=${otherPractitioner}`, bearer('hosp-a'))).body.cases).toEqual([]);
  });

  it.each([
    ['an unknown state', 'state=open,canarystate'],
    ['an unknown kind', 'kind=canarykind'],
    ['a limit above the page size', 'limit=501'],
    ['a time that is not an instant', 'since=canary-2026'],
    ['an unknown parameter', 'colour=canaryred'],
  ])('refuses %s in the query with a 400 naming the parameter, never its value', async (_name, query) => {
    const { status, body } = await call(`/v1/cases?${query}`, bearer('hosp-a'));
    expect(status).toBe(400);
    expect(body.code).toBe('invalid-query');
    expect(String(body.detail)).not.toContain('canary');
  });

  it('shows one case with its alerts and timeline, in scope only', async () => {
    const { status, body } = await call(`/v1/cases/${caseId}`, bearer('hosp-a'));
    expect(status).toBe(200);
    const detail = body as unknown as Case;
    expect(detail.alerts.map((found) => found.details?.practitioner)).toEqual([practitioner, practitioner]);
    expect(detail.timeline.map((entry) => entry.action)).toEqual(['alert', 'alert']);
    const operator = (await call(`/v1/cases/${caseId}`, OPERATOR)).body as unknown as Case;
    expect(operator.patient).toBeNull();
    for (const found of operator.alerts) expect(found.details).not.toHaveProperty('patient');
    expect((await call(`/v1/cases/${caseId}`, bearer('hosp-c'))).status).toBe(404);
    expect((await call(`/v1/cases/case-${'0'.repeat(40)}`, bearer('hosp-a'))).status).toBe(404);
    expect(await call('/v1/cases/not-a-case', bearer('hosp-a'))).toMatchObject({ status: 400, body: { code: 'invalid-path' } });
  });

  it("lets an institution holding the patient's records read the case, not handle it", async () => {
    await eventually(async () => ((await casesOf(bearer('hosp-b'))).length === 1 ? true : undefined), { what: "hosp-b's record of the patient" });
    expect((await call(`/v1/cases/${caseId}`, bearer('hosp-b'))).status).toBe(200);
    expect(await call(`/v1/cases/${caseId}/state`, bearer('hosp-b'), { method: 'POST', body: { state: 'acknowledged' } })).toMatchObject({
      status: 403,
      body: { code: 'not-case-institution' },
    });
    expect((await call(`/v1/cases/${caseId}/notes`, bearer('hosp-b'))).status).toBe(403);
    expect(await call(`/v1/cases/${caseId}/state`, OPERATOR, { method: 'POST', body: { state: 'acknowledged' } })).toMatchObject({
      status: 403,
      body: { code: 'forbidden' },
    });
  });

  it('shows an officer the alerts about patients its institution holds records of, besides its own staff, and no others', async () => {
    const about = async (authorization: string) => {
      const { status, body } = await call(`/v1/alerts?limit=500&since=${encodeURIComponent(started.toISOString())}`, authorization);
      expect(status).toBe(200);
      return (body.alerts as { kind: string; institution: string; details: Record<string, unknown> | null }[]).filter(
        (found) => found.details?.practitioner === practitioner,
      );
    };
    const heldAtB = await eventually(
      async () => {
        const seen = await about(bearer('hosp-b'));
        return seen.length === 2 ? seen : undefined;
      },
      { what: "hosp-a's alerts about hosp-b's patient, seen by hosp-b" },
    );
    expect(heldAtB.map((found) => [found.institution, found.details?.patient])).toEqual([
      ['hosp-a', patient],
      ['hosp-a', patient],
    ]);
    expect(await about(bearer('hosp-a'))).toHaveLength(2);
    expect(await about(bearer('hosp-c'))).toEqual([]);
    for (const found of await about(OPERATOR)) expect(found.details).not.toHaveProperty('patient');
  });

  it('refuses a wrong body, another content type and a transition the case cannot take, changing nothing', async () => {
    const path = `/v1/cases/${caseId}/state`;
    expect(await call(path, bearer('hosp-a'), { method: 'POST', body: { state: 'resolved' } })).toMatchObject({ status: 400, body: { code: 'invalid-body' } });
    expect(await call(path, bearer('hosp-a'), { method: 'POST', body: { state: 'acknowledged', extra: 1 } })).toMatchObject({ status: 400 });
    expect(await call(path, bearer('hosp-a'), { method: 'POST', body: '{"state":' })).toMatchObject({ status: 400 });
    expect(
      await call(path, bearer('hosp-a'), { method: 'POST', body: 'state=acknowledged', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    ).toMatchObject({ status: 415, body: { code: 'unsupported-media-type' } });
    expect(await call(path, bearer('hosp-a'), { method: 'POST', body: { state: 'open' } })).toMatchObject({
      status: 409,
      body: { code: 'invalid-transition' },
    });
    expect(await call(`/v1/cases/${caseId}/notes`, bearer('hosp-a'), { method: 'POST', body: { text: '   ' } })).toMatchObject({ status: 400 });
    expect(await call(`/v1/cases/${caseId}/assignee`, bearer('hosp-a'), { method: 'POST', body: { assignee: 'no spaces' } })).toMatchObject({ status: 400 });
    const detail = (await call(`/v1/cases/${caseId}`, bearer('hosp-a'))).body as unknown as Case;
    expect(detail).toMatchObject({ state: 'open', assignee: null });
    expect(detail.timeline).toHaveLength(2);
  });

  it('takes an officer signed in through OpenID Connect from open to closed, each step an event on the audited cases topic', async () => {
    const { jar } = await signIn(base, 'officer-hosp-a');
    const cookie = `medshare_gov_session=${jar.get(base, 'medshare_gov_session')}`;
    const me = (await (await fetch(`${base}/auth/me`, { headers: { cookie } })).json()) as { csrfToken: string };
    const step = (what: string, body: unknown, csrf = me.csrfToken) =>
      fetch(`${base}/v1/cases/${caseId}/${what}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf, origin: base },
        body: JSON.stringify(body),
      });

    expect((await step('state', { state: 'acknowledged' }, 'wrong')).status).toBe(403);
    const acknowledged = await step('state', { state: 'acknowledged' });
    expect(acknowledged.status).toBe(200);
    expect(await acknowledged.json()).toMatchObject({ caseId, state: 'acknowledged' });
    expect(await (await step('assignee', { assignee: 'officer-hosp-a' })).json()).toMatchObject({ assignee: 'officer-hosp-a' });
    const added = await step('notes', { text: NOTE });
    expect(added.status).toBe(201);
    const { noteId } = (await added.json()) as { noteId: string };
    expect(await (await step('state', { state: 'investigating' })).json()).toMatchObject({ state: 'investigating' });
    expect(await (await step('state', { state: 'closed-violation' })).json()).toMatchObject({ state: 'closed-violation' });

    const notes = (await (await fetch(`${base}/v1/cases/${caseId}/notes`, { headers: { cookie } })).json()) as { notes: unknown[] };
    expect(notes.notes).toEqual([{ noteId, at: expect.any(String), actor: 'officer-hosp-a', text: NOTE }]);
    const detail = (await call(`/v1/cases/${caseId}`, bearer('hosp-a'))).body as unknown as Case;
    expect(detail.timeline.slice(2).map(({ action, state, actor }) => [action, state, actor])).toEqual([
      ['state-changed', 'acknowledged', 'officer-hosp-a'],
      ['assigned', 'acknowledged', 'officer-hosp-a'],
      ['note-added', 'acknowledged', 'officer-hosp-a'],
      ['state-changed', 'investigating', 'officer-hosp-a'],
      ['state-changed', 'closed-violation', 'officer-hosp-a'],
    ]);
    expect(await casesOf(bearer('hosp-a'), '&state=closed-violation')).toHaveLength(1);

    const published = await eventually(
      async () => {
        const events = (await readTopic(kafka, topics.governanceCases.name, { from: casesFrom }))
          .map((message) => JSON.parse(String(message.value)) as EventOf<'governance.case.v1'>)
          .filter((event) => event.data.caseId === caseId);
        return events.length === 5 ? events : undefined;
      },
      { what: 'the five steps on the cases topic' },
    );
    expect(published.map((event) => event.id)).toEqual(detail.timeline.slice(2).map((entry) => entry.eventId));
    expect(published.at(-1)?.data).toMatchObject({ action: 'state-changed', state: 'closed-violation', actor: 'officer-hosp-a', institution: 'hosp-a' });
    // The note travels sealed: its text is in no event.
    expect(JSON.stringify(published)).not.toContain(NOTE.slice(-36));
    expect(published[2].data.note).toMatchObject({ noteId, ciphertext: expect.any(String) });
  });
});
