// Compliance reports from governance, against a real ledger: an officer's accounting of disclosures for one
// patient (named by an MRN, pseudonymised and resolved server-side) with an inclusion proof per line, that
// `medshare-verify disclosures` checks offline; the patient's access report, the erasure and institution reports.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { envelope, topics, type EventOf } from '@medshare/contracts';
import { issueInstitutionToken, pseudonymise } from '@medshare/crypto';
import { createKafka, EventPublisher } from '@medshare/messaging';
import { DEV_OPERATOR_TOKEN, PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { closeAll } from '../support/cleanup';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { freePorts } from '../support/ports';
import { startService, type RunningService } from '../support/service-processes';

const run = randomUUID().slice(0, 8);
const started = new Date();
const { kafkaBrokers, ledgerServers, stateServer } = testEndpoints();
const ledgerDatabase = `ledger_rep${run}`;
const governanceDatabase = `governance_rep${run}`;
const keys = new PlatformKeys(platformKeysSchema.parse({}));
const officer = (institution: string, role = 'privacy-officer') => ({
  authorization: `Bearer ${issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, practitioner: `po-${run}`, role, ttlSeconds: 600 })}`,
});
const operator = { authorization: `Bearer ${DEV_OPERATOR_TOKEN}` };

const MRN_SYSTEM = 'https://hosp-a.medshare.example/mrn';
const mrn = `mrn-${run}`;
const patient = `p-${Array.from(randomBytes(32), (byte) => 'abcdefghijklmnopqrstuvwxyz234567'[byte % 32]).join('')}`;
const patientQuery = `patient=${encodeURIComponent(`${MRN_SYSTEM}|${mrn}`)}`;

function disclosure(holder: string, purpose: 'TREAT' | 'ETREAT', breakGlass: boolean): EventOf<'records.disclosed.v1'> {
  return envelope(
    'records.disclosed.v1',
    'access-control',
    {
      decisionId: randomUUID(),
      requester: { institution: 'hosp-b', practitioner: `pr-${run}`, role: 'physician' },
      patient,
      purpose,
      breakGlass,
      deIdentified: false,
      records: [{ recordId: randomUUID(), resourceType: 'Observation', institution: holder }],
    },
    { subject: patient },
  );
}

interface DisclosuresAnswer {
  lines: { eventId: string; holders: string[]; breakGlass: boolean; proof: unknown }[];
}

describe('governance compliance reports', () => {
  let ledger: RunningService;
  let governance: RunningService;
  let folder: string;
  const disclosures = [disclosure('hosp-a', 'TREAT', false), disclosure('hosp-a', 'ETREAT', true), disclosure('hosp-c', 'TREAT', false)];
  const get = (path: string, headers: Record<string, string> = officer('hosp-a')) => fetch(`${governance.baseUrl}${path}`, { headers });
  const verify = (...args: string[]) =>
    promisify(execFile)(process.execPath, [resolve(__dirname, '../../tools/verify/bin/medshare-verify.js'), 'disclosures', ...args]).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'medshare-reports-'));
    const [ledgerPort, governancePort] = await freePorts(45_000, 46_000, 2);
    ledger = await startService('ledger', {
      port: ledgerPort,
      instance: `ledger-reports-${run}`,
      env: {
        LEDGER_REPLICA_URLS: ledgerServers.map((server) => databaseUrl(server, ledgerDatabase)).join(','),
        DATABASE_URL: databaseUrl(stateServer, `${ledgerDatabase}_state`),
        KAFKA_GROUP_ID: `ledger-reports-${run}`,
        LEDGER_START_FROM: new Date().toISOString(),
        BLOCK_MAX_AGE_MS: '200',
        LEDGER_VERIFY_INTERVAL_MS: '0',
      },
    });
    governance = await startService('governance', {
      port: governancePort,
      instance: `governance-reports-${run}`,
      env: { DATABASE_URL: databaseUrl(stateServer, governanceDatabase), KAFKA_GROUP_ID: `governance-reports-${run}`, LEDGER_URL: ledger.baseUrl },
    });
    const publisher = new EventPublisher(createKafka({ brokers: kafkaBrokers, clientId: `governance-reports-${run}` }));
    await publisher.connect();
    const identifier = pseudonymise(keys.pseudonymKey(), MRN_SYSTEM, mrn, 'hosp-a');
    await publisher.publish(topics.identity, [envelope('identity.linked.v1', 'ingestion', { institution: 'hosp-a', links: [{ identifier, patient }] })]);
    await publisher.publish(topics.recordsDisclosed, disclosures);
    await publisher.publish(topics.keys, [envelope('keys.patient-shredded.v1', 'encryption', { patient, destroyedDeks: 2, reason: `rf-${'c'.repeat(26)}` })]);
    await publisher.disconnect();
  });

  afterAll(() =>
    closeAll([
      () => governance?.stop(),
      () => ledger?.stop(),
      () => dropDatabase(stateServer, governanceDatabase),
      () => dropDatabase(stateServer, `${ledgerDatabase}_state`),
      ...ledgerServers.map((server) => () => dropDatabase(server, ledgerDatabase)),
      async () => rmSync(folder, { recursive: true, force: true }),
    ]),
  );

  it("accounts for every disclosure of the officer's institution's records of the patient, each with its ledger proof", async () => {
    const answer = await eventually(
      async () => {
        const response = await get(`/v1/reports/disclosures?${patientQuery}`);
        const body = (await response.json()) as DisclosuresAnswer;
        return body.lines.length === 2 && body.lines.every((line) => line.proof !== null) ? body : undefined;
      },
      { what: 'both disclosures of hosp-a records proven on the ledger', timeoutMs: 30_000 },
    );
    expect(answer.lines.map((line) => line.eventId)).toEqual(disclosures.slice(0, 2).map((event) => event.id));
    expect(answer.lines.map((line) => line.breakGlass)).toEqual([false, true]);
    // Another institution's officer names another patient with the same MRN: hosp-a's MRNs are local to hosp-a.
    const other = (await (await get(`/v1/reports/disclosures?${patientQuery}`, officer('hosp-b'))).json()) as DisclosuresAnswer;
    expect(other.lines).toEqual([]);
  });

  it('downloads the accounting as a FHIR Bundle of AuditEvents that medshare-verify checks offline, and catches an edited line', async () => {
    const response = await get(`/v1/reports/disclosures?${patientQuery}&format=fhir`);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment/);
    const text = await response.text();
    const bundle = JSON.parse(text) as {
      resourceType: string;
      entry: { resource: { resourceType: string; purposeOfEvent: { coding: { code: string }[] }[] } }[];
    };
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry.map((entry) => entry.resource.resourceType)).toEqual(['AuditEvent', 'AuditEvent']);
    const publicKey = await (await fetch(`${ledger.baseUrl}/v1/public-key`)).text();
    writeFileSync(join(folder, 'ledger.pub.pem'), publicKey);
    writeFileSync(join(folder, 'report.json'), text);
    const valid = await verify('--file', join(folder, 'report.json'), '--public-key', join(folder, 'ledger.pub.pem'));
    expect(valid).toEqual({ code: 0, stdout: expect.stringMatching(/^valid\n2 disclosures, each proven on the ledger/) });

    bundle.entry[1].resource.purposeOfEvent[0].coding[0].code = 'TREAT';
    writeFileSync(join(folder, 'edited.json'), JSON.stringify(bundle));
    const edited = await verify('--file', join(folder, 'edited.json'), '--public-key', join(folder, 'ledger.pub.pem'));
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain('line 2 (');
    expect(edited.stdout).toContain('purpose is not what the ledger holds');
  });

  it("serves the printable accounting, and the patient's access report in a patient's words", async () => {
    const accounting = await get(`/v1/reports/disclosures?${patientQuery}&format=html`);
    expect(accounting.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await accounting.text();
    expect(html).toContain('Accounting of disclosures');
    for (const event of disclosures.slice(0, 2)) expect(html).toContain(event.id);
    expect(html).not.toContain(disclosures[2].id);
    const access = await (await get(`/v1/reports/access?${patientQuery}&format=html`)).text();
    expect(access).toContain('Who has seen your records');
    expect(access).toContain('a physician of hosp-b');
    expect(access).toContain('for emergency treatment, in an emergency (break-glass)');
  });

  it("reports the patient's erasure with its reason reference and proof to the officer, and every erasure without pseudonyms to the operator", async () => {
    const mine = await eventually(
      async () => {
        const body = (await (await get(`/v1/reports/erasures?${patientQuery}`)).json()) as { lines: { patient?: string; reason: string; proof: unknown }[] };
        return body.lines.length === 1 && body.lines[0].proof !== null ? body.lines[0] : undefined;
      },
      { what: 'the shred proven', timeoutMs: 30_000 },
    );
    expect(mine).toMatchObject({ patient, reason: `rf-${'c'.repeat(26)}`, destroyedDeks: 2 });
    const all = (await (await get('/v1/reports/erasures', operator)).json()) as { lines: Record<string, unknown>[] };
    expect(all.lines.length).toBeGreaterThanOrEqual(1);
    for (const line of all.lines) expect(line).not.toHaveProperty('patient');
  });

  it("gives the institution report as CSV: disclosures by partner and purpose, its staff's break-glass uses", async () => {
    // Other runs share the topics: only this run's period, and at least this run's disclosures.
    const rows = await eventually(
      async () => {
        const response = await get(`/v1/reports/institution?format=csv&from=${encodeURIComponent(started.toISOString())}`);
        expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
        const lines = (await response.text()).trim().split('\r\n');
        return lines.some((row) => row.startsWith('"disclosures","given","hosp-b","ETREAT",')) ? lines : undefined;
      },
      { what: "this run's disclosures in the institution report" },
    );
    expect(rows[0]).toBe('"section","a","b","c","d","e","f"');
    expect(rows.some((row) => row.startsWith('"cases","opened",'))).toBe(true);
    // The emergency read was by hosp-b's staff: it is in hosp-b's report.
    const requester = (
      await (await get(`/v1/reports/institution?format=csv&from=${encodeURIComponent(started.toISOString())}`, officer('hosp-b'))).text()
    ).split('\r\n');
    const emergency = requester.find((row) => row.startsWith('"break-glass",') && row.includes(disclosures[1].data.decisionId));
    // Its last column is the review's outcome: the review case's state, or no-case while none holds it.
    expect(emergency).toMatch(/,"(no-case|open|acknowledged|investigating|closed-justified|closed-violation|closed-false-positive)( \(escalated\))?"$/);
    expect(rows.some((row) => row.includes(disclosures[1].data.decisionId))).toBe(false);
    const forOperator = await get('/v1/reports/institution?institution=hosp-a&format=json', operator);
    expect(forOperator.status).toBe(200);
  });

  it.each<[string, string, Record<string, string>, number, string]>([
    ['the operator asking for a patient accounting', `/v1/reports/disclosures?${patientQuery}`, operator, 403, 'forbidden'],
    ['a physician', `/v1/reports/disclosures?${patientQuery}`, officer('hosp-a', 'physician'), 403, 'forbidden'],
    ['no credentials', `/v1/reports/disclosures?${patientQuery}`, {}, 401, 'unauthenticated'],
    ['a missing patient', '/v1/reports/disclosures', officer('hosp-a'), 400, 'invalid-query'],
    ['a patient that is no FHIR token', '/v1/reports/disclosures?patient=12345', officer('hosp-a'), 400, 'invalid-query'],
    ['a format the report has not', `/v1/reports/disclosures?${patientQuery}&format=csv`, officer('hosp-a'), 400, 'invalid-query'],
    [
      'a period that ends before it starts',
      `/v1/reports/access?${patientQuery}&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
      officer('hosp-a'),
      400,
      'invalid-query',
    ],
    ["an officer asking for another institution's report", '/v1/reports/institution?institution=hosp-b', officer('hosp-a'), 403, 'forbidden'],
    ['the operator without an institution', '/v1/reports/institution', operator, 400, 'invalid-query'],
  ])('refuses %s', async (_name, path, headers, status, code) => {
    const response = await get(path, headers);
    expect(response.status).toBe(status);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ code });
    expect(text).not.toContain(mrn);
  });
});
