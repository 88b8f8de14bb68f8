// The fuzz tier's hand-written battery: hostile requests to each of the five services (deep nesting, NUL bytes,
// a million-element array, oversized and malformed bodies, wrong content types, bad tokens, unknown routes, wrong
// methods, extreme dates). Every answer is below 500 and echoes nothing of the input, and no input stalls the
// service's event loop over 100 ms: the delay the service itself measures (prom-client's
// nodejs_eventloop_lag_max_seconds, reset by each scrape) is read before and after every probe; the largest
// per service and the probe that caused it are written to .data/fuzz/bad-input.json.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { issueInstitutionToken, pseudonymise } from '@medshare/crypto';
import { DEV_OPERATOR_TOKEN, PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { startPrivatePlatform, type PrivatePlatform } from '../support/private-platform';
import type { ServiceName } from '../support/service-processes';

const run = randomBytes(4).toString('hex');
/** In every hostile input where a value can go: no answer may contain it. */
const MARK = `zq${run}mark`;
const A = `a${run}`;
const keys = new PlatformKeys(platformKeysSchema.parse({ INSTITUTIONS: A }));
const PSEUDONYM = pseudonymise(keys.pseudonymKey(), 'https://id.medshare.example/national-health-id', `N-${run}`, A);
/** No input may delay a service's event loop longer than this (issue 9 §6). */
const STALL_LIMIT_MS = 100;
/**
 * A probe over the limit is sent again up to this many times, and the smallest delay counts: on a machine shared
 * with other test runs the service is sometimes not scheduled for a while whatever it does, but a stall the input
 * causes comes back every time.
 */
const STALL_TRIES = 3;

type Auth = 'system' | 'operator' | 'none' | 'forged' | 'expired' | 'garbage';

function authorization(auth: Auth): Record<string, string> {
  const token = {
    system: () => issueInstitutionToken(keys.institutionPrivateKey(A), { institution: A, ttlSeconds: 600 }),
    operator: () => DEV_OPERATOR_TOKEN,
    none: () => '',
    forged: () => `${issueInstitutionToken(keys.institutionPrivateKey(A), { institution: A, ttlSeconds: 600 }).slice(0, -8)}AAAAAAAA`,
    expired: () => issueInstitutionToken(keys.institutionPrivateKey(A), { institution: A, ttlSeconds: 1 }, new Date(Date.now() - 3_600_000)),
    garbage: () => MARK,
  }[auth]();
  return token === '' ? {} : { authorization: `Bearer ${token}` };
}

interface Probe {
  name: string;
  method: string;
  path: string;
  auth: Auth;
  contentType?: string;
  body?: string | Buffer;
}

/** Endpoints that take a body, with the credential that gets a request past authentication. */
const BODY_ENDPOINTS: Record<ServiceName, [string, Auth][]> = {
  ingestion: [['/v1/fhir', 'system']],
  'access-control': [
    ['/v1/consents', 'system'],
    ['/v1/agreements', 'system'],
    ['/v1/roles', 'system'],
    ['/v1/decisions', 'system'],
  ],
  encryption: [[`/v1/patients/${PSEUDONYM}/shred`, 'operator']],
  ledger: [['/v1/verifications', 'operator']],
  governance: [],
};

function nestedExtensions(depth: number): string {
  let inner = `{"url":"https://x.example/e","valueString":"${MARK}"}`;
  for (let level = 0; level < depth; level += 1) inner = `{"url":"https://x.example/e","extension":[${inner}]}`;
  return `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},"extension":[${inner}]}`;
}

/** Hostile bodies, built once (building them must not stall the poller). */
const BODIES: [string, string | Buffer, string][] = [
  ['JSON arrays nested 10,000 deep', `{"resourceType":"Observation","${MARK}":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, 'application/json'],
  ['extensions nested 10,000 deep', nestedExtensions(10_000), 'application/fhir+json'],
  [
    'an array of a million wrong-typed values',
    `{"resourceType":"Observation","status":"final","code":{"coding":[]},"component":[${'1,'.repeat(999_999)}"${MARK}"]}`,
    'application/fhir+json',
  ],
  // Up to ingestion's body limit (5 MiB; the other services' limits are smaller, so they answer 413).
  [
    'an array of 2.6 million wrong-typed values (5.2 MB)',
    `{"resourceType":"Observation","status":"final","code":{"coding":[${'1,'.repeat(2_600_000)}"${MARK}"]}}`,
    'application/fhir+json',
  ],
  [
    'JSON arrays nested 2.6 million deep (5.2 MB)',
    `{"resourceType":"Observation","${MARK}":${'['.repeat(2_600_000)}${']'.repeat(2_600_000)}}`,
    'application/json',
  ],
  ['NUL bytes in strings', `{"resourceType":"Patient","id":"${MARK}\\u0000","name":[{"family":"\\u0000${MARK}"}]}`, 'application/json'],
  ['a raw NUL byte', Buffer.from(`{"resourceType":"Patient","id":"\u0000${MARK}"}`), 'application/json'],
  ['malformed JSON', `{"resourceType":"Patient","${MARK}":`, 'application/json'],
  ['JSON that is not an object', `["${MARK}"]`, 'application/json'],
  ['prototype-polluting keys', `{"__proto__":{"${MARK}":1},"constructor":{"prototype":{"${MARK}":1}},"resourceType":"Patient"}`, 'application/json'],
  ['numbers beyond double range', `{"resourceType":"Patient","id":1e999999,"${MARK}":-1e999999}`, 'application/json'],
  ['an oversized body (16 MiB)', `{"resourceType":"Binary","data":"${'A'.repeat(16 * 1024 * 1024)}${MARK}"}`, 'application/json'],
  ['an empty body', '', 'application/json'],
  ['JSON sent as text/plain', `{"resourceType":"Patient","id":"${MARK}"}`, 'text/plain'],
  ['FHIR XML', `<Patient xmlns="http://hl7.org/fhir"><id value="${MARK}"/></Patient>`, 'application/fhir+xml'],
  ['a form-encoded body', `${MARK}=1`, 'application/x-www-form-urlencoded'],
  ['an unknown charset', `{"resourceType":"Patient","id":"${MARK}"}`, 'application/json; charset=utf-7'],
];

/** A probe's name without what differs between runs, so pending cases can be listed. */
const label = (path: string) =>
  path
    .replaceAll(MARK, '<mark>')
    .replaceAll(PSEUDONYM, '<pseudonym>')
    .replace(/a{100,}/, 'a×20000')
    .slice(0, 140);

function probesOf(service: ServiceName): Probe[] {
  const probes: Probe[] = [];
  for (const [path, auth] of BODY_ENDPOINTS[service]) {
    for (const [name, body, contentType] of BODIES) probes.push({ name: `POST ${label(path)}: ${name}`, method: 'POST', path, auth, contentType, body });
    for (const bad of ['none', 'forged', 'expired', 'garbage'] as const) {
      probes.push({
        name: `POST ${label(path)}: ${bad} token`,
        method: 'POST',
        path,
        auth: bad,
        contentType: 'application/json',
        body: `{"resourceType":"Patient","id":"${MARK}"}`,
      });
    }
    probes.push({ name: `DELETE ${label(path)} (wrong method)`, method: 'DELETE', path, auth });
    probes.push({
      name: `POST ${label(path)} with a NUL in the query`,
      method: 'POST',
      path: `${path}?_format=%00${MARK}`,
      auth,
      contentType: 'application/json',
      body: '{}',
    });
  }
  const get = (path: string, auth: Auth = 'system'): Probe => ({
    name: `GET ${label(path)}${auth === 'system' ? '' : ` (${auth} token)`}`,
    method: 'GET',
    path,
    auth,
  });
  probes.push(get(`/v1/${MARK}`), get(`/v1/%00${MARK}`), get(`/%E0%A4%A${MARK}`), get(`/v1/${'a'.repeat(20_000)}${MARK}`), get(`/health/live?${MARK}=%00`), {
    name: `PATCH /health/live (wrong method)`,
    method: 'PATCH',
    path: '/health/live',
    auth: 'none',
    contentType: 'application/json',
    body: `{"${MARK}":1}`,
  });
  const specific: Record<ServiceName, Probe[]> = {
    ingestion: [get('/v1/fhir'), get(`/v1/fhir/Patient/${MARK}`)],
    'access-control': [
      get(`/v1/patients/%00${MARK}/records?purpose=TREAT`),
      get(`/v1/patients/x%7C${MARK}/records?purpose=%00${MARK}`),
      get(`/v1/patients/x%7C${MARK}/records?purpose=TREAT&types=${'Observation,'.repeat(5_000)}${MARK}`),
      get(`/v1/patients/x%7C${MARK}/records?purpose=TREAT&${MARK}=1`),
      get(`/v1/patients/x%7C${MARK}/records?purpose=ETREAT&reason=${'%00'.repeat(2_000)}`),
    ],
    encryption: [
      {
        name: 'POST shred of a NUL pseudonym',
        method: 'POST',
        path: `/v1/patients/%00${MARK}/shred`,
        auth: 'operator',
        contentType: 'application/json',
        body: '{"reason":"T-1"}',
      },
      get(`/v1/keys?${MARK}=%00`, 'operator'),
      get('/v1/keys', 'garbage'),
    ],
    ledger: [
      get(`/v1/events/%00${MARK}/proof`),
      get('/v1/events/%00/proof'),
      get('/v1/blocks/99999999999999999999'),
      get('/v1/blocks/-1'),
      get('/v1/blocks/1e308'),
      get(`/v1/consistency?from=-1&to=${MARK}`),
      get('/v1/consistency?from=0&to=18446744073709551616'),
      get(`/v1/verifications/%00${MARK}`),
      get('/v1/export', 'garbage'),
    ],
    governance: [
      get('/v1/alerts?since=0000-01-01T00:00:00Z', 'operator'),
      get('/v1/alerts?since=275760-09-13T00:00:00.001Z', 'operator'),
      get('/v1/alerts?since=-271821-04-20T00:00:00Z', 'operator'),
      get(`/v1/alerts?since=%00${MARK}`, 'operator'),
      get('/v1/alerts?limit=1e9', 'operator'),
      get('/v1/alerts?limit=-1', 'operator'),
      get(`/v1/alerts?kind=%00${MARK}`, 'operator'),
      get('/v1/summary?since=0000-01-01T00:00:00Z', 'operator'),
    ],
  };
  return [...probes, ...specific[service]];
}

/**
 * Cases still failing on main while their fixes are in progress (issue 9 §6), as `<service> <probe>: <problem>`.
 * The battery fails when one of them passes (remove it here) or another fails.
 */
const PENDING: string[] = [];

interface Measurement {
  probes: number;
  /** The largest event-loop delay the service measured during one probe (the smallest of its tries), and which. */
  maxEventLoopDelayMs: number;
  maxEventLoopDelayDuring: string;
  findings: string[];
}

describe('bad input to every service', () => {
  let platform: PrivatePlatform;
  const report: Partial<Record<ServiceName, Measurement>> = {};

  beforeAll(async () => {
    platform = await startPrivatePlatform(`bi${run}`, { INSTITUTIONS: A, LOG_LEVEL: 'warn' });
  }, 240_000);

  afterAll(async () => {
    mkdirSync(resolve(__dirname, '../../.data/fuzz'), { recursive: true });
    writeFileSync(resolve(__dirname, '../../.data/fuzz/bad-input.json'), `${JSON.stringify(report, null, 2)}\n`);
    await platform?.remove();
  });

  /** The largest delay of the service's event loop since the last scrape (prom-client resets it per scrape). */
  async function eventLoopDelayMaxMs(baseUrl: string): Promise<number> {
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    const value = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([0-9.e+-]+)$/m.exec(metrics)?.[1];
    if (value === undefined) throw new Error(`no nodejs_eventloop_lag_max_seconds in ${baseUrl}/metrics`);
    return Number(value) * 1000;
  }

  /** Sends one probe: the findings about its answer. */
  async function send(service: ServiceName, baseUrl: string, probe: Probe): Promise<string[]> {
    try {
      const response = await fetch(`${baseUrl}${probe.path}`, {
        method: probe.method,
        headers: { ...authorization(probe.auth), ...(probe.contentType === undefined ? {} : { 'content-type': probe.contentType }) },
        body: probe.body,
        signal: AbortSignal.timeout(60_000),
      });
      const text = await response.text();
      return [
        ...(response.status >= 500 ? [`${service} ${probe.name}: ${response.status}`] : []),
        ...(text.includes(MARK) ? [`${service} ${probe.name}: echo`] : []),
      ];
    } catch (error) {
      // A server may answer 413 and close before the whole body was sent; the client then sees a reset.
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (probe.body !== undefined && probe.body.length > 1024 * 1024 && (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET')) return [];
      return [`${service} ${probe.name}: no answer (${(error as Error).name} ${code ?? ''})`.trim()];
    }
  }

  it.each(['ingestion', 'access-control', 'encryption', 'ledger', 'governance'] as const)(
    '%s answers every hostile request below 500, echoes nothing and never stalls its event loop over 100 ms',
    async (service) => {
      const { baseUrl } = platform.service(service);
      const probes = probesOf(service);
      const findings: string[] = [];
      let maxEventLoopDelayMs = 0;
      let maxEventLoopDelayDuring = '';
      for (const probe of probes) {
        let delayMs = Infinity;
        for (let tried = 0; tried < STALL_TRIES && delayMs > STALL_LIMIT_MS; tried += 1) {
          await eventLoopDelayMaxMs(baseUrl);
          const answerFindings = await send(service, baseUrl, probe);
          delayMs = Math.min(delayMs, await eventLoopDelayMaxMs(baseUrl));
          if (tried === 0) findings.push(...answerFindings);
        }
        if (delayMs > maxEventLoopDelayMs) [maxEventLoopDelayMs, maxEventLoopDelayDuring] = [delayMs, probe.name];
        if (delayMs > STALL_LIMIT_MS) findings.push(`${service} ${probe.name}: event loop stalled ${Math.round(delayMs)} ms`);
      }
      report[service] = { probes: probes.length, maxEventLoopDelayMs: Math.round(maxEventLoopDelayMs), maxEventLoopDelayDuring, findings };

      // The delay was read for every probe (a service without the metric fails in eventLoopDelayMaxMs); an idle,
      // quick service may show 0 ms throughout (no sample of the 10 ms monitor between two scrapes).
      expect(probes.length).toBeGreaterThan(10);
      const pending = PENDING.filter((finding) => finding.startsWith(`${service} `));
      expect({
        newFindings: findings.filter((finding) => !pending.includes(finding)),
        passingSinceListed: pending.filter((finding) => !findings.includes(finding)),
      }).toEqual({
        newFindings: [],
        passingSinceListed: [],
      });
    },
  );
});
