// The governance service as a process: a burst of denied decisions becomes a denied-spike alert in its API,
// and its dashboard is served as self-contained HTML.
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { envelope, topics, type EventOf } from '../../libs/contracts/src';
import { createKafka, EventPublisher } from '../../libs/messaging/src';
import { DEV_OPERATOR_TOKEN } from '../../libs/service-kit/src';
import { databaseUrl, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { startGovernanceSideGroupsAtEnd } from '../support/governance-groups';
import { freePorts } from '../support/ports';
import { startService, type RunningService } from '../support/service-processes';

const run = randomUUID().slice(0, 8);
const institution = `gov-e2e-${run}`;
const databaseName = `governance_t${randomBytes(6).toString('hex')}`;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** Every governance API needs an officer (test/e2e/governance-auth.e2e.spec.ts): these checks read as the operator. */
const operator = { headers: { authorization: `Bearer ${DEV_OPERATOR_TOKEN}` } };
const pseudonym = () => `p-${Array.from(randomBytes(20), (byte) => BASE32[byte % 32]).join('')}`;

function denial(practitioner: string, patient: string): EventOf<'access.decision.v1'> {
  return envelope(
    'access.decision.v1',
    'access-control',
    {
      decisionId: randomUUID(),
      requester: { institution, practitioner },
      patient,
      purpose: 'TREAT',
      effect: 'deny',
      httpStatus: 403,
      reasons: ['no consent'],
      breakGlass: false,
      withheldResourceTypes: [],
      requestedResourceTypes: ['Observation'],
    },
    { subject: patient },
  );
}

interface AlertsPage {
  alerts: { kind: string; institution: string | null; source: string; summary: string; details: Record<string, unknown> | null }[];
}

describe('governance service', () => {
  const endpoints = testEndpoints();
  let governance: RunningService;
  let publisher: EventPublisher;

  beforeAll(async () => {
    // The analysts' audit projection and the dead-letter counts are not what this test is about: on the shared broker
    // a fresh group would first replay the day's history of every run (governance was not ready within 60 s so).
    const kafka = createKafka({ brokers: endpoints.kafkaBrokers, clientId: `governance-e2e-groups-${run}` });
    await startGovernanceSideGroupsAtEnd(kafka, `governance-e2e-${run}`);
    const [port] = await freePorts(4400, 4500, 1);
    governance = await startService('governance', {
      port,
      instance: `governance-e2e-${run}`,
      env: {
        DATABASE_URL: databaseUrl(endpoints.stateServer, databaseName),
        KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
        KAFKA_GROUP_ID: `governance-e2e-${run}`,
        DENIED_SPIKE_THRESHOLD: '10',
        // Windows are fixed (epoch-aligned): a day-long one holds the whole burst whenever the test runs.
        DENIED_SPIKE_WINDOW_MS: String(24 * 60 * 60 * 1000),
        // A fresh group would otherwise replay a day of the shared broker's decisions to refill that window.
        DECISIONS_REPLAY_MS: '60000',
      },
    });
    publisher = new EventPublisher(createKafka({ brokers: endpoints.kafkaBrokers, clientId: `governance-e2e-${run}` }));
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher?.disconnect();
    const exit = await governance?.stop();
    const admin = new Client({ connectionString: databaseUrl(endpoints.stateServer, 'postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.end();
    expect(exit).toBe(0);
  });

  it('turns a burst of denied decisions into one denied-spike alert served by GET /v1/alerts', async () => {
    // One patient keeps the burst on one partition, so governance reads it in order and the 11th denial has seen all four.
    const patient = pseudonym();
    await publisher.publish(
      topics.accessDecisions,
      Array.from({ length: 25 }, (_, n) => denial(`dr-${n % 4}`, patient)),
    );
    const mine = await eventually(
      async () => {
        const response = await fetch(`${governance.baseUrl}/v1/alerts?kind=denied-spike&limit=500`, operator);
        const page = (await response.json()) as AlertsPage;
        const found = page.alerts.filter((alert) => alert.institution === institution);
        return found.length > 0 ? found : undefined;
      },
      { what: 'the denied-spike alert in the API', timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(mine).toHaveLength(1);
    // Counted per batch: the alert names the count when it was judged, above the limit.
    expect(mine[0]).toMatchObject({ kind: 'denied-spike', source: 'governance', details: { denied: expect.any(Number), threshold: 10 } });
    expect(mine[0].details!.denied).toBeGreaterThan(10);

    const summary = (await (await fetch(`${governance.baseUrl}/v1/summary`, operator)).json()) as {
      alerts: { byKind: Record<string, { total: number }> };
      consumed: { byTopic: Record<string, number> };
    };
    expect(summary.alerts.byKind['denied-spike'].total).toBeGreaterThanOrEqual(1);
    expect(summary.consumed.byTopic[topics.accessDecisions.name]).toBeGreaterThanOrEqual(25);
  });

  it('refuses a bad query with a 400 that names the parameter', async () => {
    const response = await fetch(`${governance.baseUrl}/v1/alerts?limit=0`, operator);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ code: 'invalid-query', status: 400, detail: expect.stringMatching(/^limit:/) });
  });

  it("serves an institution's data quality per day: refusals counted once, issue codes and paths", async () => {
    const rejection = (code: string) =>
      envelope('ingest.rejected.v1', 'ingestion', {
        institution,
        requestId: randomUUID(),
        status: 422,
        reasons: [{ entry: 3, code, expression: ['Bundle.entry[3].resource.subject'] }],
      });
    await publisher.publish(topics.ingestRejected, [rejection('required'), rejection('required'), rejection('value')]);
    const days = await eventually(
      async () => {
        const response = await fetch(`${governance.baseUrl}/v1/quality?institution=${institution}`, operator);
        const { days } = (await response.json()) as { days: { refusedSubmissions: number }[] };
        return days.length === 1 && days[0].refusedSubmissions === 3 ? days : undefined;
      },
      { what: "the institution's day in GET /v1/quality", timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(days[0]).toMatchObject({
      institution,
      accepted: 0,
      refusedResources: 3,
      refusalRate: 1,
      topIssues: [
        { code: 'required', path: 'Bundle.entry[].resource.subject', count: 2 },
        { code: 'value', path: 'Bundle.entry[].resource.subject', count: 1 },
      ],
    });
    const bad = await fetch(`${governance.baseUrl}/v1/quality?from=yesterday`, operator);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid-query', detail: expect.stringMatching(/^from:/) });
  });

  it('serves the dashboard as self-contained HTML under a strict content security policy', async () => {
    const response = await fetch(`${governance.baseUrl}/`, operator);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('v1/stream');
    expect(html).not.toMatch(/(src|href)="https?:/);
  });
});
