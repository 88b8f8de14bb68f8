// Analysts' audit topics on a SASL_SSL broker of the run's own with the generated ACLs: submissions, decisions, a
// break-glass use and its review go through the five services; `medshare analyst-credentials` gives institution A's
// analysts a principal; the three worked-question scripts (scripts/analyst) answer from A's audit topic alone and
// agree with the operational topics; A's analysts cannot read B's audit topic nor the platform-wide ones.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { issueInstitutionToken } from '@medshare/crypto';
import { envelope, institutionAuditTopic, topics, type EventOf, type MedshareEvent } from '@medshare/contracts';
import { EventPublisher } from '@medshare/messaging';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { eventually } from '../support/eventually';
import { startPrivatePlatform, type PrivatePlatform } from '../support/private-platform';
import type { ServiceName } from '../support/service-processes';
import { callWithToken, NATIONAL_ID_SYSTEM, patientWithObservation, readOutcome } from '../support/secure-bus';
import { readTopic } from '../support/topic-reader';

const runFile = promisify(execFile);
const repoRoot = resolve(__dirname, '../..');
const run = randomBytes(4).toString('hex');
const A = `a${run}`;
const B = `b${run}`;
const patientRef = `${NATIONAL_ID_SYSTEM}|n-${run}`;
const keys = new PlatformKeys(platformKeysSchema.parse({ INSTITUTIONS: `${A},${B}` }));
const systemToken = (institution: string) => issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, ttlSeconds: 900 });
const practitionerToken = (institution: string, practitioner: string) =>
  issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, practitioner, role: 'physician', ttlSeconds: 900 });

/** No status, no code: refused as a whole. */
const invalidObservation = { resourceType: 'Observation', subject: { reference: 'Patient/x' } };

describe('audit topics for analysts', () => {
  let platform: PrivatePlatform;

  beforeAll(async () => {
    platform = await startPrivatePlatform(`an${run}`, { KAFKA_SECURITY: 'sasl_ssl', INSTITUTIONS: `${A},${B}` });
  }, 240_000);

  afterAll(async () => {
    // The analysts' files this run wrote into the checkout's credentials folder.
    const credentials = platform?.broker.clientEnv.KAFKA_CREDENTIALS_DIR;
    if (credentials !== undefined)
      for (const file of [`analyst-${A}.password`, `analyst-${A}.env`, `analyst-platform-${run}.env`]) rmSync(join(credentials, file), { force: true });
    await platform?.remove();
  });

  const call = (service: ServiceName, method: string, path: string, token: string, body?: unknown) =>
    callWithToken(platform.service(service).baseUrl, method, path, token, body);
  const readAs = (principal: string, topic: string) =>
    readOutcome(platform.broker.kafkaAs(principal, `an-${principal}`), `${principal}.scope-${run}-${topic}`, topic);

  /** A worked-question script, run as a separate process with the analyst's settings file; its JSON answer. */
  async function ask(script: string, envFile: string): Promise<Record<string, Record<string, unknown>>> {
    const { stdout } = await runFile(process.execPath, [join(repoRoot, 'scripts/analyst', script), '--env', envFile], { cwd: repoRoot, timeout: 90_000 });
    return JSON.parse(stdout) as Record<string, Record<string, unknown>>;
  }

  const eventsOn = async (topic: string): Promise<MedshareEvent[]> =>
    (await readTopic(platform.broker.kafka, topic)).map((message) => JSON.parse(message.value?.toString('utf8') ?? 'null') as MedshareEvent);

  it('answers the three worked questions from an institution analyst’s own audit topic, and scopes it by ACL', async () => {
    const holder = `hd-${run}`;
    const requesterB = `rq-${run}`;
    expect((await call('access-control', 'POST', '/v1/roles', systemToken(A), { practitioner: holder, role: 'physician' })).status).toBe(201);
    expect((await call('access-control', 'POST', '/v1/roles', systemToken(B), { practitioner: requesterB, role: 'physician' })).status).toBe(201);

    // Submissions: A one stored and one refused, B one refused.
    expect((await call('ingestion', 'POST', '/v1/fhir', systemToken(A), patientWithObservation(run))).status).toBe(202);
    expect((await call('ingestion', 'POST', '/v1/fhir', systemToken(A), invalidObservation)).status).toBeGreaterThanOrEqual(400);
    expect((await call('ingestion', 'POST', '/v1/fhir', systemToken(B), invalidObservation)).status).toBeGreaterThanOrEqual(400);

    // Decisions: A's own physician (TREAT, until the records are readable), B's physician for research; a break-glass read.
    const decide = (institution: string, practitioner: string, purpose: string) =>
      call('access-control', 'POST', '/v1/decisions', practitionerToken(institution, practitioner), { patient: patientRef, purpose });
    await eventually(
      async () => (JSON.parse((await decide(A, holder, 'TREAT')).text) as { reachableHolders?: string[] }).reachableHolders?.includes(A) || undefined,
      { timeoutMs: 90_000, what: 'access control to see the records encryption stored' },
    );
    await decide(B, requesterB, 'HRESCH');
    const read = await call(
      'access-control',
      'GET',
      `/v1/patients/${encodeURIComponent(patientRef)}/records?purpose=ETREAT&reason=analyst-check`,
      practitionerToken(A, holder),
    );
    expect(read.status).toBe(200);

    // The review: the break-glass use's case closed as justified, as governance's case handling publishes it.
    const caseAlert = await eventually(
      async () =>
        (await eventsOn(topics.auditCases.name)).find(
          (event): event is EventOf<'audit.case-alert.v1'> =>
            event.type === 'audit.case-alert.v1' && event.data.institution === A && event.data.kind === 'break-glass',
        ),
      { timeoutMs: 90_000, what: "the break-glass use on A's audit case topic" },
    );
    const publisher = new EventPublisher(platform.broker.kafka);
    await publisher.connect();
    try {
      const { caseId } = caseAlert.data;
      await publisher.publish(topics.governanceCases, [
        envelope('governance.case.v1', 'governance', { caseId, institution: A, action: 'state-changed', state: 'investigating', actor: 'officer-a' }),
        envelope('governance.case.v1', 'governance', { caseId, institution: A, action: 'state-changed', state: 'closed-justified', actor: 'officer-a' }),
      ]);
    } finally {
      await publisher.disconnect();
    }

    const cli = await runFile(process.execPath, [join(repoRoot, 'tools/cli/bin/medshare.js'), 'analyst-credentials', '--institution', A], {
      cwd: repoRoot,
      env: { ...process.env, ...platform.broker.clientEnv },
      timeout: 120_000,
    });
    expect(cli.stdout).toContain(`principal analyst-${A}`);
    const envA = join(platform.broker.clientEnv.KAFKA_CREDENTIALS_DIR ?? '', `analyst-${A}.env`);

    // Question 3: refusal rate per institution and day.
    const refusals = await eventually(
      async () => {
        const answer = await ask('refusal-rate.js', envA);
        const days = Object.values(answer[A] ?? {}) as { submissions: number }[];
        return days.reduce((sum, day) => sum + day.submissions, 0) === 2 ? answer : undefined;
      },
      { timeoutMs: 90_000, what: "A's two submissions on A's audit topic" },
    );
    expect(Object.keys(refusals)).toEqual([A]);
    const [aDay] = Object.values(refusals[A]);
    expect(aDay).toMatchObject({ submissions: 2, refusedSubmissions: 1, refusalRate: 0.5, accepted: 2 });

    // Question 1: decisions per purpose and institution, as the operational topic has them for A's requesters.
    const decisions = (await eventsOn(topics.accessDecisions.name)).filter(
      (event): event is EventOf<'access.decision.v1'> => event.type === 'access.decision.v1' && event.data.requester.institution === A,
    );
    const expected: Record<string, { permit: number; deny: number }> = {};
    for (const { data } of decisions) {
      expected[data.purpose] ??= { permit: 0, deny: 0 };
      expected[data.purpose][data.effect] += 1;
    }
    expect(decisions.length).toBeGreaterThanOrEqual(2);
    const perPurpose = await eventually(
      async () => {
        const answer = await ask('decisions-per-purpose.js', envA);
        return JSON.stringify(answer[A]) === JSON.stringify(expected) ? answer : undefined;
      },
      { timeoutMs: 60_000, what: "every A decision on A's audit topic, once" },
    );
    expect(Object.keys(perPurpose)).toEqual([A]);

    // Question 2: break-glass per practitioner and its review outcome.
    const reviews = await eventually(
      async () => {
        const answer = await ask('break-glass-reviews.js', envA);
        const practitioners = Object.values(answer[A] ?? {}) as { outcomes: Record<string, number> }[];
        return practitioners.some((row) => row.outcomes['closed-justified'] === 1) ? answer : undefined;
      },
      { timeoutMs: 60_000, what: "the review outcome on A's audit topic" },
    );
    expect(Object.values(reviews[A])).toEqual([{ uses: 1, outcomes: { 'closed-justified': 1 } }]);

    // The platform's analysts see both institutions on the platform topics.
    const envPlatform = join(platform.broker.clientEnv.KAFKA_CREDENTIALS_DIR ?? '', `analyst-platform-${run}.env`);
    writeFileSync(
      envPlatform,
      [
        `KAFKA_BROKERS=${platform.broker.brokers.join(',')}`,
        'KAFKA_SECURITY=sasl_ssl',
        `KAFKA_CA_FILE=${platform.broker.clientEnv.KAFKA_CA_FILE}`,
        'KAFKA_USERNAME=analyst-platform',
        `KAFKA_PASSWORD_FILE=${join(platform.broker.clientEnv.KAFKA_CREDENTIALS_DIR ?? '', 'analyst-platform.password')}`,
      ].join('\n'),
    );
    const platformRefusals = await ask('refusal-rate.js', envPlatform);
    expect(Object.values(platformRefusals[B] ?? {})).toEqual([expect.objectContaining({ submissions: 1, refusedSubmissions: 1, refusalRate: 1 })]);

    // Scope: A's analysts read A's topic only.
    await eventually(async () => ((await eventsOn(institutionAuditTopic(B).name)).length > 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: "B's audit topic",
    });
    expect(await readAs(`analyst-${A}`, institutionAuditTopic(A).name)).toBe('read');
    for (const topic of [institutionAuditTopic(B), topics.auditDecisions, topics.auditSubmissions, topics.accessDecisions]) {
      expect({ topic: topic.name, outcome: await readAs(`analyst-${A}`, topic.name) }).toEqual({ topic: topic.name, outcome: 'TOPIC_AUTHORIZATION_FAILED' });
    }
  }, 600_000);
});
