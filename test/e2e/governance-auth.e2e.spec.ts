// Governance only answers officers: sign-in through a real OpenID Provider (infra/oidc, authorization code +
// PKCE), the session cookie and its CSRF defences, institution tokens of privacy officers, the operator's
// token, and what each of them sees (401 / 403 / scoping).
import { randomBytes, randomUUID } from 'node:crypto';
import { envelope, topics, type EventOf } from '@medshare/contracts';
import { issueInstitutionToken } from '@medshare/crypto';
import { createKafka, EventPublisher } from '@medshare/messaging';
import { DEV_OPERATOR_TOKEN, PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { browse, CookieJar, signIn, startOidcProvider, type RunningOidcProvider } from '../support/oidc-provider';
import { freePorts } from '../support/ports';
import { startService, type RunningService } from '../support/service-processes';

const run = randomUUID().slice(0, 8);
const databaseName = `governance_auth_${randomBytes(6).toString('hex')}`;
const keys = new PlatformKeys(platformKeysSchema.parse({}));
const token = (institution: string, role: string, signer = institution) =>
  `Bearer ${issueInstitutionToken(keys.institutionPrivateKey(signer), { institution, practitioner: `po-${run}`, role, ttlSeconds: 600 })}`;
const PATIENT = `p-${'a'.repeat(32)}`;

function alert(institution: string, n: number): EventOf<'governance.alert.v1'> {
  return envelope('governance.alert.v1', 'access-control', {
    alertId: `auth-${run}-${institution}-${n}`,
    kind: 'break-glass',
    severity: 'critical',
    summary: 'break-glass read permitted',
    institution,
    details: { patient: PATIENT, practitioner: `pr-${run}` },
  });
}

interface AlertsPage {
  alerts: { alertId: string; institution: string | null; details: Record<string, unknown> | null }[];
}

describe('governance authentication', () => {
  const endpoints = testEndpoints();
  let oidc: RunningOidcProvider;
  let governance: RunningService;
  let base: string;

  const mine = async (headers: Record<string, string>) => {
    const response = await fetch(`${base}/v1/alerts?limit=500`, { headers });
    expect(response.status).toBe(200);
    return ((await response.json()) as AlertsPage).alerts.filter((found) => found.alertId.startsWith(`auth-${run}-`));
  };

  beforeAll(async () => {
    const [oidcPort, governancePort] = await freePorts(47_000, 48_000, 2);
    base = `http://127.0.0.1:${governancePort}`;
    oidc = await startOidcProvider(oidcPort, [`${base}/auth/callback`]);
    governance = await startService('governance', {
      port: governancePort,
      instance: `governance-auth-${run}`,
      env: {
        DATABASE_URL: databaseUrl(endpoints.stateServer, databaseName),
        KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
        KAFKA_GROUP_ID: `governance-auth-${run}`,
        OIDC_ISSUER: oidc.issuer,
        PUBLIC_URL: base,
      },
    });
    const publisher = new EventPublisher(createKafka({ brokers: endpoints.kafkaBrokers, clientId: `governance-auth-${run}` }));
    await publisher.connect();
    await publisher.publish(topics.governanceAlerts, [alert('hosp-a', 1), alert('hosp-a', 2), alert('hosp-b', 1)]);
    await publisher.disconnect();
    await eventually(async () => ((await mine({ authorization: `Bearer ${DEV_OPERATOR_TOKEN}` })).length === 3 ? true : undefined), {
      what: 'the three alerts stored',
    });
  });

  afterAll(async () => {
    const exit = await governance?.stop();
    await oidc?.stop();
    await dropDatabase(endpoints.stateServer, databaseName);
    expect(exit).toBe(0);
  });

  it.each([
    ['no credentials', {}, 401],
    ['a token that is no JWS', { authorization: 'Bearer not-a-token' }, 401],
    ['a wrong operator token', { authorization: `Bearer ${'x'.repeat(40)}` }, 401],
    ['a physician of an institution', { authorization: token('hosp-a', 'physician') }, 403],
    ["a token for hosp-b signed with hosp-a's key", { authorization: token('hosp-b', 'privacy-officer', 'hosp-a') }, 401],
    ['a forged session cookie', { cookie: 'medshare_gov_session=forged' }, 401],
  ])('refuses %s', async (_name, headers: Record<string, string>, status) => {
    for (const path of ['/v1/alerts', '/v1/summary', '/auth/me']) {
      const response = await fetch(`${base}${path}`, { headers });
      expect([path, response.status]).toEqual([path, status]);
      const body = (await response.json()) as { code: string };
      expect(body.code).toBe(status === 401 ? 'unauthenticated' : 'forbidden');
      if (status === 401) expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('sends a browser without a session to sign in', async () => {
    const response = await fetch(`${base}/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/auth/login');
  });

  it('scopes a privacy officer token to its institution, and gives the operator everything without patient pseudonyms', async () => {
    const officer = await mine({ authorization: token('hosp-a', 'privacy-officer') });
    expect(officer.map((found) => found.institution).sort()).toEqual(['hosp-a', 'hosp-a']);
    expect(officer[0].details).toHaveProperty('patient', PATIENT);
    const operator = await mine({ authorization: `Bearer ${DEV_OPERATOR_TOKEN}` });
    expect(operator.map((found) => found.institution).sort()).toEqual(['hosp-a', 'hosp-a', 'hosp-b']);
    for (const found of operator) expect(found.details).not.toHaveProperty('patient');
    const other = await mine({ authorization: token('hosp-b', 'privacy-officer') });
    expect(other.map((found) => found.alertId)).toEqual([`auth-${run}-hosp-b-1`]);
  });

  it('signs an officer in with the authorization code flow and PKCE, into an HttpOnly SameSite=Strict session', async () => {
    const start = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    const authorize = new URL(start.headers.get('location') ?? '');
    expect(authorize.origin).toBe(oidc.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    await start.arrayBuffer();

    const { jar: signedIn, status } = await signIn(base, 'officer-hosp-a');
    expect(status).toBe(200);
    const session = signedIn.get(base, 'medshare_gov_session');
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await fetch(`${base}/auth/me`, { headers: { cookie: `medshare_gov_session=${session}` } });
    expect(await me.json()).toMatchObject({ subject: 'officer-hosp-a', role: 'privacy-officer', institution: 'hosp-a', csrfToken: expect.any(String) });
    const seen = await mine({ cookie: `medshare_gov_session=${session}` });
    expect(seen.map((found) => found.institution)).toEqual(['hosp-a', 'hosp-a']);
  });

  it('sets the session cookie HttpOnly, SameSite=Strict and serves the page that continues to the dashboard', async () => {
    const jar = new CookieJar();
    const form = await browse(jar, `${base}/auth/login`);
    const action = /action="([^"]+)"/.exec(form.text)?.[1] ?? '';
    let url = new URL(action, form.url);
    let response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ username: 'operator', password: 'demo-operator' }),
      headers: { cookie: jar.header(url), 'content-type': 'application/x-www-form-urlencoded' },
    });
    while (response.status >= 300 && response.status < 400) {
      jar.take(url, response);
      url = new URL(response.headers.get('location') ?? '', url);
      response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    }
    expect(url.pathname).toBe('/auth/callback');
    expect(response.status).toBe(200);
    const cookies = response.headers.getSetCookie();
    expect(cookies.find((cookie) => cookie.startsWith('medshare_gov_session='))).toMatch(/; HttpOnly; SameSite=Strict$/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await response.text()).toContain('<meta http-equiv="refresh" content="0;url=/">');

    // The same answer again (a replayed callback) finds no sign-in waiting.
    const replay = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    expect(replay.status).toBe(400);
  });

  it('refuses a wrong password and a callback that this browser did not start', async () => {
    const wrong = await signIn(base, 'officer-hosp-a', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Unknown user or wrong password');
    expect(wrong.jar.get(base, 'medshare_gov_session')).toBeUndefined();
    const forged = await fetch(`${base}/auth/callback?code=abc&state=def`);
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { code: string }).code).toBe('login-failed');
  });

  it('takes a state change from a session only with its CSRF token and from its own origin', async () => {
    const { jar } = await signIn(base, 'officer-hosp-b');
    const cookie = `medshare_gov_session=${jar.get(base, 'medshare_gov_session')}`;
    const { csrfToken } = (await (await fetch(`${base}/auth/me`, { headers: { cookie } })).json()) as { csrfToken: string };
    const logout = (headers: Record<string, string>) => fetch(`${base}/auth/logout`, { method: 'POST', headers: { cookie, ...headers } });
    const forged: Record<string, string>[] = [
      {},
      { 'x-csrf-token': 'x'.repeat(csrfToken.length) },
      { 'x-csrf-token': csrfToken, origin: 'https://attacker.example' },
    ];
    for (const headers of forged) {
      const refused = await logout(headers);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { code: string }).code).toBe('csrf-rejected');
    }
    expect((await fetch(`${base}/auth/me`, { headers: { cookie } })).status).toBe(200);
    const done = await logout({ 'x-csrf-token': csrfToken, origin: base });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { next: string }).next).toContain(`${oidc.issuer}/session/end`);
    expect((await fetch(`${base}/auth/me`, { headers: { cookie } })).status).toBe(401);
  });
});
