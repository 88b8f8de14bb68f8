// Every HTTP error of every service comes from service-kit's one renderer: an unknown route, a wrong method,
// a malformed body and an unexpected exception answer an OperationOutcome on FHIR APIs and RFC 9457
// problem+json elsewhere, quote nothing of the request, and the unexpected is logged with its stack.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { issueInstitutionToken } from '@medshare/crypto';
import { DEV_OPERATOR_TOKEN, PlatformKeys, platformKeysSchema } from '@medshare/service-kit';
import { databaseUrl, dropDatabase, testEndpoints } from '../support/endpoints';
import { eventually } from '../support/eventually';
import { freePorts } from '../support/ports';
import { serviceNames, startService, stopAll, type RunningService, type ServiceName } from '../support/service-processes';

const run = randomUUID().slice(0, 8);
/** Put in every path, query and body we send: no answer and no log line may contain it. */
const MARKER = `ECHO${run}X`;
const { stateServer, ledgerServers } = testEndpoints();
const stateDatabase = (name: ServiceName) => `${name.replace('-', '_')}_errors_${run}`;
const ledgerDatabase = `ledger_errors_${run}`;
const logDir = resolve(__dirname, `../../.data/logs/e2e-error-shapes-${run}`);

type Shape = 'fhir' | 'problem';

/** Short, so a trickling client is cut off quickly here; the default is 30 s. */
const REQUEST_TIMEOUT_MS = 2000;

/**
 * Sends the head of a request that announces a body, then trickles it one byte every `everyMs`; resolves with
 * how long the server kept the connection open and what it answered.
 */
function trickle(port: number, path: string, everyMs: number): Promise<{ heldMs: number; answer: string }> {
  return new Promise((resolveTrickle) => {
    const started = Date.now();
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
    });
    const timer = setInterval(() => socket.write(' '), everyMs);
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolveTrickle({ heldMs: Date.now() - started, answer });
    });
  });
}

/** Per service: a route that exists, a method it does not take there, and the shape its errors have. */
const cases: Record<ServiceName, { path: string; wrongMethod: string; allowed: string; shape: Shape; unknownShape: Shape }> = {
  ingestion: { path: '/v1/fhir', wrongMethod: 'DELETE', allowed: 'POST', shape: 'fhir', unknownShape: 'fhir' },
  encryption: { path: '/v1/keys', wrongMethod: 'DELETE', allowed: 'GET, HEAD', shape: 'problem', unknownShape: 'problem' },
  'access-control': { path: `/v1/patients/${MARKER}/records`, wrongMethod: 'DELETE', allowed: 'GET, HEAD', shape: 'fhir', unknownShape: 'problem' },
  ledger: { path: '/v1/blocks/head', wrongMethod: 'PUT', allowed: 'GET, HEAD', shape: 'problem', unknownShape: 'problem' },
  governance: { path: '/v1/alerts', wrongMethod: 'POST', allowed: 'GET, HEAD', shape: 'problem', unknownShape: 'problem' },
};

async function expectShape(response: Response, shape: Shape, status: number, code: string): Promise<void> {
  const text = await response.text();
  expect(response.status).toBe(status);
  expect(text).not.toContain(MARKER);
  const body = JSON.parse(text) as Record<string, unknown>;
  if (shape === 'fhir') {
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(body).toMatchObject({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error', code })] });
  } else {
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(body).toMatchObject({ type: expect.stringMatching(/^urn:medshare:problem:/), status, code, title: expect.any(String), detail: expect.any(String) });
  }
}

describe('errors of every service', () => {
  const services = new Map<ServiceName, RunningService>();
  const url = (name: ServiceName, path: string) => `${(services.get(name) as RunningService).baseUrl}${path}`;

  beforeAll(async () => {
    const ports = await freePorts(4800, 5000, serviceNames.length);
    // Encryption first: ingestion is ready only once it knows this run's sealing key.
    for (const name of ['encryption', 'ledger', 'governance', 'access-control', 'ingestion'] as const) {
      services.set(
        name,
        await startService(name, {
          port: ports[serviceNames.indexOf(name)],
          instance: `${name}-errors-${run}`,
          logDir,
          nodeArgs: ['--import', pathToFileURL(resolve(__dirname, 'fixtures/failing-metric.mjs')).href],
          env: {
            MEDSHARE_TEST_FAULT_MARKER: MARKER,
            HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
            DATABASE_URL: databaseUrl(stateServer, stateDatabase(name)),
            KAFKA_GROUP_ID: `${name}-errors-${run}`,
            SERVICE_SOURCE: `encryption-errors-${run}`,
            SEALING_KEY_SOURCE: `encryption-errors-${run}`,
            LEDGER_START_FROM: new Date().toISOString(),
            LEDGER_REPLICA_URLS: ledgerServers.map((server) => databaseUrl(server, ledgerDatabase)).join(','),
          },
        }),
      );
    }
  });

  afterAll(async () => {
    await stopAll([...services.values()]);
    await Promise.all([
      ...serviceNames.map((name) => dropDatabase(stateServer, stateDatabase(name))),
      ...ledgerServers.map((server) => dropDatabase(server, ledgerDatabase)),
    ]);
  });

  it.each(serviceNames)('%s answers an unknown route with 404 in its shape, quoting nothing of the path', async (name) => {
    await expectShape(await fetch(url(name, `/v1/${MARKER}?q=${MARKER}`)), cases[name].unknownShape, 404, 'not-found');
  });

  it.each(serviceNames)('%s answers a wrong method with 405 and the methods the path takes', async (name) => {
    const { path, wrongMethod, allowed, shape } = cases[name];
    const response = await fetch(url(name, `${path}?q=${MARKER}`), { method: wrongMethod });
    expect(response.headers.get('allow')).toBe(allowed);
    await expectShape(response, shape, 405, shape === 'fhir' ? 'not-supported' : 'method-not-allowed');
  });

  it.each(serviceNames)('%s answers an unexpected exception with a 500 that says nothing of it, and logs its stack without its message', async (name) => {
    const fhir = cases[name].unknownShape === 'fhir';
    await expectShape(await fetch(url(name, `/metrics?q=${MARKER}`)), fhir ? 'fhir' : 'problem', 500, fhir ? 'exception' : 'internal');
    const logFile = (services.get(name) as RunningService).logFile;
    const line = await eventually(
      () =>
        readFileSync(logFile, 'utf8')
          .split('\n')
          .find((entry) => entry.includes('"unexpected error"')),
      { what: `${name} to log the unexpected error` },
    );
    expect(JSON.parse(line)).toMatchObject({ level: 50, error: { type: 'Error', stack: expect.stringMatching(/^\s+at /) } });
    expect(readFileSync(logFile, 'utf8')).not.toContain(MARKER);
  });

  it.each(serviceNames)('%s cuts off a client trickling its body within a bounded time', async (name) => {
    const { heldMs, answer } = await trickle((services.get(name) as RunningService).port, cases[name].path, 10_000);
    // The deadline plus Node's one-second check interval, plus slack for a loaded machine.
    expect(heldMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(heldMs).toBeLessThan(REQUEST_TIMEOUT_MS + 3000);
    // Some services answer before the body is in (a refused token); the connection still ends with a 408.
    expect(answer).toMatch(/HTTP\/1\.1 408 Request Timeout\r\nConnection: close\r\n\r\n$/);
  });

  it('logs client errors of encryption (413, 415, an aborted upload) as warnings, not errors', async () => {
    const encryption = services.get('encryption') as RunningService;
    const shred = `${encryption.baseUrl}/v1/patients/p-abcdefghijklmnop/shred`;
    // Bodies are judged after authentication: the operator's token lets each request reach its body.
    const operator = `Bearer ${DEV_OPERATOR_TOKEN}`;
    expect(
      (
        await fetch(shred, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: operator },
          body: JSON.stringify({ reason: 'x'.repeat(20_000) }),
        })
      ).status,
    ).toBe(413);
    expect(
      (await fetch(shred, { method: 'POST', headers: { 'content-type': 'application/json; charset=klingon', authorization: operator }, body: '{}' })).status,
    ).toBe(415);
    await new Promise<void>((resolveAbort) => {
      const socket = connect(encryption.port, '127.0.0.1', () => {
        socket.write(
          `POST /v1/patients/p-abcdefghijklmnop/shred HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${operator}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"reason":`,
        );
        setTimeout(() => socket.destroy(), 200);
      });
      socket.on('close', () => resolveAbort());
    });
    const refusals = await eventually(
      () => {
        const lines = readFileSync(encryption.logFile, 'utf8')
          .split('\n')
          .filter((line) => line.includes('"request refused"'));
        const codes = lines.map((line) => (JSON.parse(line) as { code: string }).code);
        return ['payload-too-large', 'unsupported-media-type', 'client-aborted'].every((code) => codes.includes(code)) ? lines : undefined;
      },
      { what: 'encryption to log the three client errors' },
    );
    for (const line of refusals) expect(JSON.parse(line)).toMatchObject({ level: 40 });
    const errors = readFileSync(encryption.logFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"level":50'));
    expect(errors.every((line) => line.includes('"unexpected error"'))).toBe(true);
  });
});

describe('malformed bodies', () => {
  let access: RunningService;

  beforeAll(async () => {
    access = await startService('access-control', {
      port: (await freePorts(5000, 5100, 1))[0],
      instance: `access-control-bodies-${run}`,
      logDir,
      env: { DATABASE_URL: databaseUrl(stateServer, `access_control_bodies_${run}`), KAFKA_GROUP_ID: `access-control-bodies-${run}`, MAX_BODY_BYTES: '2048' },
    });
  });

  afterAll(async () => {
    await stopAll(access === undefined ? [] : [access]);
    await dropDatabase(stateServer, `access_control_bodies_${run}`);
  });

  // The development keyring's first institution: a body is judged only once the caller is authenticated.
  const keys = new PlatformKeys(platformKeysSchema.parse({}));
  const token = () => issueInstitutionToken(keys.institutionPrivateKey(keys.institutions[0]), { institution: keys.institutions[0], ttlSeconds: 600 });

  it.each<[string, string, string, Shape, number, string, boolean]>([
    ['broken JSON on a FHIR path', '/v1/consents', `{"${MARKER}": [`, 'fhir', 400, 'structure', true],
    ['broken JSON elsewhere', '/v1/agreements', `{"${MARKER}": [`, 'problem', 400, 'malformed-request', true],
    ['a body over the limit', '/v1/agreements', JSON.stringify({ [MARKER]: 'x'.repeat(4096) }), 'problem', 413, 'payload-too-large', true],
    ['broken JSON without a credential (401 first)', '/v1/agreements', `{"${MARKER}": [`, 'problem', 401, 'unauthenticated', false],
    ['a body over the limit without a credential (401 first)', '/v1/consents', JSON.stringify({ [MARKER]: 'x'.repeat(4096) }), 'fhir', 401, 'login', false],
  ])('answers %s in its shape without quoting it', async (_case, path, body, shape, status, code, authenticated) => {
    const response = await fetch(`${access.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authenticated && { authorization: `Bearer ${token()}` }) },
      body,
    });
    await expectShape(response, shape, status, code);
    expect(readFileSync(access.logFile, 'utf8')).not.toContain(MARKER);
  });
});
