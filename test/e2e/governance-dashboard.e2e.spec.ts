// The officer's dashboard in a real headless Chromium (Debian's, driven by puppeteer-core; nothing downloads a
// browser): sign-in through the local OpenID Provider, a snooping alert raised by a scripted burst of reads
// arriving live over server-sent events, its case opened from the case queue, acknowledged and closed (the
// closing step proven on the ledger), the printable accounting of disclosures, and its FHIR download verified
// with medshare-verify. Screenshots go to .data/artifacts/governance-dashboard/ (see the README).
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { envelope, topics, type EventOf } from '@medshare/contracts';
import { pseudonymise } from '@medshare/crypto';
import { createKafka, EventPublisher } from '@medshare/messaging';
import { PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { closeAll } from '../support/cleanup';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { permitDecision } from '../support/events';
import { startOidcProvider, type RunningOidcProvider } from '../support/oidc-provider';
import { freePorts } from '../support/ports';
import { startService, type RunningService } from '../support/service-processes';
import { startGovernanceSideGroupsAtEnd } from '../support/governance-groups';

const run = randomUUID().slice(0, 8);
const ROOT = resolve(__dirname, '../..');
const ARTIFACTS = join(ROOT, '.data/artifacts/governance-dashboard');
const { kafkaBrokers, ledgerServers, stateServer } = testEndpoints();
const ledgerDatabase = `ledger_dash${run}`;
const governanceDatabase = `governance_dash${run}`;
const keys = new PlatformKeys(platformKeysSchema.parse({}));
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const pseudonym = (prefix: string, length = 32) => `${prefix}-${Array.from(randomBytes(length), (byte) => BASE32[byte % 32]).join('')}`;
const MRN_SYSTEM = 'https://hosp-a.medshare.example/mrn';
const mrn = `mrn-${run}`;
const patient = pseudonym('p');
const snooper = pseudonym('pr', 20);

/** A practitioner of hosp-a opening the records of many different patients in a minute: the access-volume rule's case. */
function snoopingRead(): EventOf<'access.decision.v1'> {
  return permitDecision(randomUUID(), pseudonym('p'), snooper, 'nurse');
}

const disclosure: EventOf<'records.disclosed.v1'> = envelope(
  'records.disclosed.v1',
  'access-control',
  {
    decisionId: randomUUID(),
    requester: { institution: 'hosp-b', practitioner: pseudonym('pr', 20), role: 'physician' },
    patient,
    purpose: 'TREAT',
    breakGlass: false,
    deIdentified: false,
    records: [{ recordId: randomUUID(), resourceType: 'Condition', institution: 'hosp-a' }],
  },
  { subject: patient },
);

describe('governance dashboard in Chromium', () => {
  let oidc: RunningOidcProvider;
  let ledger: RunningService;
  let governance: RunningService;
  let browser: Browser;
  let page: Page;
  let publisher: EventPublisher;
  const pageErrors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: `${join(ARTIFACTS, name)}.png`, fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const { stdout: chromium } = await promisify(execFile)('bash', [join(ROOT, 'infra/chromium/ensure.sh')], { timeout: 300_000 });
    const [oidcPort, ledgerPort, governancePort] = await freePorts(46_000, 47_000, 3);
    const base = `http://127.0.0.1:${governancePort}`;
    oidc = await startOidcProvider(oidcPort, [`${base}/auth/callback`]);
    ledger = await startService('ledger', {
      port: ledgerPort,
      instance: `ledger-dash-${run}`,
      env: {
        LEDGER_REPLICA_URLS: ledgerServers.map((server) => databaseUrl(server, ledgerDatabase)).join(','),
        DATABASE_URL: databaseUrl(stateServer, `${ledgerDatabase}_state`),
        KAFKA_GROUP_ID: `ledger-dash-${run}`,
        LEDGER_START_FROM: new Date().toISOString(),
        BLOCK_MAX_AGE_MS: '200',
        LEDGER_VERIFY_INTERVAL_MS: '0',
      },
    });
    // The analysts' audit projection is not what this test is about: it starts at the shared topics' end.
    await startGovernanceSideGroupsAtEnd(createKafka({ brokers: kafkaBrokers, clientId: `governance-dash-${run}` }), `governance-dash-${run}`);
    governance = await startService('governance', {
      port: governancePort,
      instance: `governance-dash-${run}`,
      env: {
        DATABASE_URL: databaseUrl(stateServer, governanceDatabase),
        KAFKA_GROUP_ID: `governance-dash-${run}`,
        OIDC_ISSUER: oidc.issuer,
        PUBLIC_URL: base,
        LEDGER_URL: ledger.baseUrl,
        ACCESS_VOLUME_MAX_PATIENTS: '5',
        ACCESS_VOLUME_WINDOW_MS: '60000',
        // A fresh group would first judge a day of every helper's decisions on the shared broker (a minute under load).
        DECISIONS_REPLAY_MS: '60000',
      },
    });
    publisher = new EventPublisher(createKafka({ brokers: kafkaBrokers, clientId: `governance-dash-${run}` }));
    await publisher.connect();
    const identifier = pseudonymise(keys.pseudonymKey(), MRN_SYSTEM, mrn, 'hosp-a');
    await publisher.publish(topics.identity, [envelope('identity.linked.v1', 'ingestion', { institution: 'hosp-a', links: [{ identifier, patient }] })]);
    await publisher.publish(topics.recordsDisclosed, [disclosure]);
    browser = await puppeteer.launch({ executablePath: chromium.trim(), headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    // A CSP violation, a script error or an external load on any page fails the run (the browser's own favicon request aside).
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 40[13]/.test(message.text()) && !message.location().url?.endsWith('/favicon.ico'))
        pageErrors.push(`${message.text()} (${message.location().url ?? ''})`);
    });
  }, 360_000);

  afterAll(() =>
    closeAll([
      () => browser?.close(),
      () => publisher?.disconnect(),
      () => governance?.stop(),
      () => ledger?.stop(),
      () => oidc?.stop(),
      () => dropDatabase(stateServer, governanceDatabase),
      () => dropDatabase(stateServer, `${ledgerDatabase}_state`),
      ...ledgerServers.map((server) => () => dropDatabase(server, ledgerDatabase)),
    ]),
  );

  it('signs the officer in through the OpenID Provider and shows the dashboard', async () => {
    await page.goto(`${governance.baseUrl}/`);
    expect(new URL(page.url()).origin).toBe(oidc.issuer);
    await shot('01-sign-in');
    await page.type('#username', 'officer-hosp-a');
    await page.type('#password', 'demo-officer-hosp-a');
    await Promise.all([page.waitForSelector('#overview-title', { timeout: 20_000 }), page.click('button[type=submit]')]);
    expect(page.url()).toBe(`${governance.baseUrl}/`);
    expect(await page.$eval('header p', (element) => element.textContent)).toContain('privacy officer of hosp-a');
    const cookies = await browser.cookies();
    expect(cookies.find((cookie) => cookie.name === 'medshare_gov_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await shot('02-dashboard');
  });

  it('is usable from the keyboard: the first Tab reaches the skip link', async () => {
    await page.keyboard.press('Tab');
    // Strings run in the page: this file is compiled without the DOM's types.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
  });

  it('shows the snooping alert raised by a scripted burst of reads, and its case in the queue, live without reloading', async () => {
    await page.waitForFunction("document.getElementById('live')?.textContent?.startsWith('Live:')", { timeout: 20_000 });
    await publisher.publish(topics.accessDecisions, Array.from({ length: 8 }, snoopingRead));
    // Other runs share the alerts topic: this run's alert is the one naming this run's practitioner. The same reads
    // may raise other rules first (no-care-relationship: the snooper's institution holds no record of these patients).
    const isVolumeRow = `(row) => row.textContent.includes('${snooper}') && row.textContent.includes('access-volume')`;
    await page.waitForFunction(`[...document.querySelectorAll('#alerts tr')].some(${isVolumeRow})`, { timeout: 45_000 });
    const row = await page.evaluate(`[...document.querySelectorAll('#alerts tr')].find(${isVolumeRow})?.textContent ?? ''`);
    expect(row).toContain('access-volume');
    expect(row).toContain('hosp-a');
    expect(await page.$eval('#live', (element) => element.textContent)).toMatch(/^New (info|warning|critical) alert: /);
    // Its case joins the case queue (still to handle) live too, without a reload.
    await page.waitForFunction(`[...document.querySelectorAll('#case-rows tr')].some((row) => row.textContent.includes('${snooper}'))`, { timeout: 30_000 });
    expect(await page.$eval('#cases-live', (element) => element.textContent)).toMatch(/^Case changed: /);
    await shot('03-live-snooping-alert');
  });

  it('opens the snooping case from the case queue, acknowledges it, notes and closes it; the closing step is proven on the ledger', async () => {
    // The queue is rendered on the server: filter it with its form until the alert has become a case.
    const snooperRow = `[...document.querySelectorAll('#case-rows tr')].find((row) => row.textContent.includes('${snooper}'))`;
    await eventually(
      async () => {
        await page.goto(`${governance.baseUrl}/`);
        await page.select('#case-kind', 'access-volume');
        await Promise.all([page.waitForNavigation(), page.click('#cases button[type=submit]')]);
        return (await page.evaluate(`Boolean(${snooperRow})`)) === true || undefined;
      },
      { what: "the snooping alert's case in the queue", timeoutMs: 30_000 },
    );
    expect(new URL(page.url()).searchParams.get('kind')).toBe('access-volume');
    await shot('04-case-queue');
    await Promise.all([page.waitForNavigation(), page.evaluate(`${snooperRow}.querySelector('a').click()`)]);
    const caseId = await page.$eval('dd[data-fact=case]', (element) => element.textContent ?? '');
    expect(caseId).toMatch(/^case-[0-9a-f]{40}$/);
    expect(await page.$eval('dd[data-fact=practitioner]', (element) => element.textContent)).toBe(snooper);
    expect(await page.$eval('#alerts tbody', (element) => element.textContent)).toContain('access-volume');

    const fact = (name: string) => page.$eval(`dd[data-fact="${name}"]`, (element) => element.textContent);
    await Promise.all([page.waitForNavigation(), page.click('button[data-state=acknowledged]')]);
    expect(await fact('state')).toBe('acknowledged');
    await Promise.all([page.waitForNavigation(), page.click('#assign-me')]);
    expect(await fact('assignee')).toBe('officer-hosp-a');
    await page.type('#note', 'Spoke to the ward manager: no clinical reason for these reads.');
    await Promise.all([page.waitForNavigation(), page.click('#note-form button[type=submit]')]);
    expect(await page.$eval('#notes tbody', (element) => element.textContent)).toContain('no clinical reason');
    await shot('05-case-acknowledged');
    await Promise.all([page.waitForNavigation(), page.click('button[data-state=closed-violation]')]);
    expect(await fact('state')).toBe('closed-violation');
    await shot('06-case-closed');

    const detail = (await page.evaluate(async (id) => (await fetch(`/v1/cases/${id}`)).json(), caseId)) as {
      timeline: { eventId: string; action: string; state: string; actor: string }[];
    };
    const closing = detail.timeline.at(-1);
    expect(closing).toMatchObject({ action: 'state-changed', state: 'closed-violation', actor: 'officer-hosp-a' });
    await eventually(async () => ((await fetch(`${ledger.baseUrl}/v1/events/${closing?.eventId}/proof`)).ok ? true : undefined), {
      what: 'the closing step proven on the ledger',
      timeoutMs: 30_000,
    });
    await Promise.all([page.waitForNavigation(), page.click('nav a[href="../#cases"]')]);
  });

  it('opens the printable accounting of disclosures from the report form, and its FHIR download verifies with medshare-verify', async () => {
    await eventually(
      async () => {
        const answer = await page.evaluate(
          async (query) => (await fetch(`v1/reports/disclosures?${query}`)).json(),
          `patient=${encodeURIComponent(`${MRN_SYSTEM}|${mrn}`)}`,
        );
        return (answer as { lines: { proof: unknown }[] }).lines.some((line) => line.proof !== null) ? true : undefined;
      },
      { what: 'the disclosure proven on the ledger', timeoutMs: 30_000 },
    );
    await page.type('#patient', `${MRN_SYSTEM}|${mrn}`);
    await Promise.all([page.waitForNavigation(), page.click('#disclosure-form button[type=submit]')]);
    expect(await page.$eval('h1', (element) => element.textContent)).toContain('Accounting of disclosures');
    expect(await page.content()).toContain(disclosure.id);
    await shot('07-accounting-of-disclosures');

    const bundle = await page.evaluate(
      async (query) => (await fetch(`/v1/reports/disclosures?${query}&format=fhir`)).text(),
      `patient=${encodeURIComponent(`${MRN_SYSTEM}|${mrn}`)}`,
    );
    writeFileSync(join(ARTIFACTS, 'accounting-of-disclosures.json'), bundle);
    writeFileSync(join(ARTIFACTS, 'ledger.pub.pem'), await (await fetch(`${ledger.baseUrl}/v1/public-key`)).text());
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(ROOT, 'tools/verify/bin/medshare-verify.js'),
      'disclosures',
      '--file',
      join(ARTIFACTS, 'accounting-of-disclosures.json'),
      '--public-key',
      join(ARTIFACTS, 'ledger.pub.pem'),
    ]);
    expect(stdout).toMatch(/^valid\n1 disclosures, each proven on the ledger/);
  });

  it("signs out, ending the session, and goes on to the provider's sign-out", async () => {
    await page.goto(`${governance.baseUrl}/`);
    const session = (await browser.cookies()).find((cookie) => cookie.name === 'medshare_gov_session')?.value;
    expect((await fetch(`${governance.baseUrl}/auth/me`, { headers: { cookie: `medshare_gov_session=${session}` } })).status).toBe(200);
    await Promise.all([page.waitForNavigation(), page.click('#sign-out')]);
    expect(new URL(page.url()).origin).toBe(oidc.issuer);
    await shot('08-provider-sign-out');
    await Promise.all([page.waitForNavigation(), page.click('button[name=logout]')]);
    await shot('09-signed-out');
    expect((await browser.cookies()).find((cookie) => cookie.name === 'medshare_gov_session')).toBeUndefined();
    expect((await fetch(`${governance.baseUrl}/auth/me`, { headers: { cookie: `medshare_gov_session=${session}` } })).status).toBe(401);
    expect(pageErrors).toEqual([]);
  });
});
