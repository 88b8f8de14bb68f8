// Webhook routing through the running governance service: an officer subscribes a receiver over the API (institution
// token, or a signed-in session with its CSRF token), an alert published on the alerts topic reaches the receiver
// in this test signed so that `standardwebhooks` verifies it, a rotation keeps the old secret verifying during the
// overlap, the delivery log and the dashboard page show it, and who may do what (400/403/404/415 changing nothing).
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
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

const run = randomUUID().slice(0, 8);
const { kafkaBrokers, stateServer } = testEndpoints();
const databaseName = `governance_webhooks_${randomBytes(6).toString('hex')}`;
const keys = new PlatformKeys(platformKeysSchema.parse({}));
const bearer = (institution: string) =>
  `Bearer ${issueInstitutionToken(keys.institutionPrivateKey(institution), { institution, practitioner: `po-${run}`, role: 'privacy-officer', ttlSeconds: 600 })}`;
const OPERATOR = `Bearer ${DEV_OPERATOR_TOKEN}`;

interface Received {
  headers: Record<string, string>;
  body: string;
}
interface Subscription {
  id: string;
  institution: string;
  url: string;
  kinds: string[];
}

const alert = (practitioner: string): EventOf<'governance.alert.v1'> =>
  envelope('governance.alert.v1', 'governance', {
    alertId: `webhooks-${run}-${randomUUID()}`,
    kind: 'self-access',
    severity: 'critical',
    summary: `practitioner ${practitioner} of hosp-a read their own record`,
    institution: 'hosp-a',
    details: { practitioner, patient: `p-${run}-own-record` },
  });

const verifies = (secret: string, request: Received) => {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
};

describe('governance webhooks over HTTP', () => {
  let oidc: RunningOidcProvider;
  let governance: RunningService;
  let receiver: Server;
  let base: string;
  let hook: string;
  const received: Received[] = [];
  const kafka = createKafka({ brokers: kafkaBrokers, clientId: `governance-webhooks-${run}` });
  const practitioner = `pr-${run}`;

  const call = async (path: string, authorization: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
  };
  const subscriptionsOf = async (authorization: string) => (await call('/v1/webhooks', authorization)).body.subscriptions as Subscription[];
  const publish = async (events: EventOf<'governance.alert.v1'>[]) => {
    const publisher = new EventPublisher(kafka);
    await publisher.connect();
    await publisher.publish(topics.governanceAlerts, events);
    await publisher.disconnect();
  };

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', listening));
    hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/medshare-alerts`;
    const [oidcPort, governancePort] = await freePorts(49_000, 50_000, 2);
    base = `http://127.0.0.1:${governancePort}`;
    oidc = await startOidcProvider(oidcPort, [`${base}/auth/callback`]);
    await startGovernanceSideGroupsAtEnd(kafka, `governance-webhooks-${run}`);
    governance = await startService('governance', {
      port: governancePort,
      instance: `governance-webhooks-${run}`,
      env: {
        DATABASE_URL: databaseUrl(stateServer, databaseName),
        KAFKA_GROUP_ID: `governance-webhooks-${run}`,
        OIDC_ISSUER: oidc.issuer,
        PUBLIC_URL: base,
        DECISIONS_REPLAY_MS: '60000',
        WEBHOOK_POLL_MS: '100',
        WEBHOOK_ROTATION_OVERLAP_MS: '600000',
      },
    });
  }, 120_000);

  afterAll(() =>
    closeAll([
      () => governance?.stop(),
      () => oidc?.stop(),
      () => new Promise((closed) => receiver?.close(closed)),
      () => dropDatabase(stateServer, databaseName),
    ]),
  );

  it.each([
    ['a host not on the allow-list', { url: 'http://169.254.169.254/canary' }, 400, 'url-refused'],
    ['a file: URL', { url: 'file:///etc/canary' }, 400, 'url-refused'],
    ['credentials in the URL', { url: 'http://canary:pw@127.0.0.1/x' }, 400, 'url-refused'],
    ['an unknown kind', { url: 'http://127.0.0.1/x', kinds: ['canary-kind'] }, 400, 'invalid-body'],
    ['an unknown element', { url: 'http://127.0.0.1/x', canary: true }, 400, 'invalid-body'],
    ['a NUL byte in the URL', { url: '\u0000http://127.0.0.1/canary' }, 400, 'url-refused'],
    ['a URL too long', { url: `http://127.0.0.1/${'canary'.repeat(400)}` }, 400, 'invalid-body'],
  ])('refuses %s with a clear 4xx that does not echo it, and stores nothing', async (_name, body, status, code) => {
    const answer = await call('/v1/webhooks', bearer('hosp-a'), { method: 'POST', body });
    expect(answer).toMatchObject({ status, body: { code } });
    expect(JSON.stringify(answer.body)).not.toContain('canary');
    expect(await subscriptionsOf(bearer('hosp-a'))).toEqual([]);
  });

  it('lets only privacy officers subscribe, with JSON', async () => {
    expect((await call('/v1/webhooks', OPERATOR, { method: 'POST', body: { url: hook } })).status).toBe(403);
    expect((await call('/v1/webhooks', 'Bearer not-a-token', { method: 'POST', body: { url: hook } })).status).toBe(401);
    const plain = await call('/v1/webhooks', bearer('hosp-a'), { method: 'POST', body: 'url=x', headers: { 'content-type': 'text/plain' } });
    expect(plain.status).toBe(415);
    expect(await subscriptionsOf(OPERATOR)).toEqual([]);
  });

  it("delivers the institution's alert to the subscribed receiver, signed; rotates without downtime; logs it; deletes", async () => {
    const created = await call('/v1/webhooks', bearer('hosp-a'), { method: 'POST', body: { url: hook, kinds: ['self-access'] } });
    expect(created.status).toBe(201);
    const { subscription, secret } = created.body as { subscription: Subscription; secret: string };
    expect(secret).toMatch(/^whsec_/);
    // Listed for its institution and the operator, never with a secret; not for another institution.
    expect(await subscriptionsOf(bearer('hosp-a'))).toEqual([expect.objectContaining({ id: subscription.id, url: hook, kinds: ['self-access'] })]);
    expect(JSON.stringify(await subscriptionsOf(OPERATOR))).not.toContain(secret.slice('whsec_'.length));
    expect(await subscriptionsOf(bearer('hosp-c'))).toEqual([]);

    const first = alert(practitioner);
    await publish([first]);
    const delivered = await eventually(() => received.find((request) => request.body.includes(first.data.alertId)), {
      what: 'the delivery',
      timeoutMs: 60_000,
    });
    expect(verifies(secret, delivered)).toBe(true);
    expect(JSON.parse(delivered.body)).toMatchObject({
      type: 'governance.alert.raised',
      data: { alertId: first.data.alertId, eventId: first.id, institution: 'hosp-a' },
    });
    expect(delivered.body).not.toContain(`p-${run}-own-record`);
    const log = await eventually(async () => {
      const deliveries = (await call(`/v1/webhooks/deliveries?subscription=${subscription.id}`, bearer('hosp-a'))).body.deliveries as {
        webhookId: string;
        state: string;
        log: { outcome: string; status: number }[];
      }[];
      return deliveries.find((delivery) => delivery.webhookId === delivered.headers['webhook-id'] && delivery.state === 'delivered');
    });
    expect(log.log).toEqual([expect.objectContaining({ outcome: 'delivered', status: 204 })]);
    expect((await call('/v1/webhooks/deliveries', bearer('hosp-c'))).body.deliveries).toEqual([]);
    expect(await call('/v1/webhooks/deliveries?state=lost', bearer('hosp-a'))).toMatchObject({ status: 400, body: { code: 'invalid-query' } });

    // Another institution's officer cannot rotate or delete it (not told apart from a missing one).
    expect((await call(`/v1/webhooks/${subscription.id}/secret`, bearer('hosp-c'), { method: 'POST' })).status).toBe(404);
    expect((await call(`/v1/webhooks/${subscription.id}`, bearer('hosp-c'), { method: 'DELETE' })).status).toBe(404);
    expect((await call('/v1/webhooks/not-an-id', bearer('hosp-a'), { method: 'DELETE' })).body.code).toBe('invalid-path');

    const rotated = await call(`/v1/webhooks/${subscription.id}/secret`, bearer('hosp-a'), { method: 'POST' });
    expect(rotated.status).toBe(200);
    const newSecret = (rotated.body as { secret: string }).secret;
    const second = alert(practitioner);
    await publish([second]);
    const afterRotation = await eventually(() => received.find((request) => request.body.includes(second.data.alertId)), {
      what: 'the delivery after rotation',
      timeoutMs: 60_000,
    });
    expect(verifies(newSecret, afterRotation)).toBe(true);
    expect(verifies(secret, afterRotation)).toBe(true);

    expect((await call(`/v1/webhooks/${subscription.id}`, bearer('hosp-a'), { method: 'DELETE' })).status).toBe(204);
    expect(await subscriptionsOf(bearer('hosp-a'))).toEqual([]);
    expect((await call('/v1/webhooks/deliveries', bearer('hosp-a'))).body.deliveries).toEqual([]);
  });

  it('lets a signed-in officer subscribe with the CSRF token only, and shows the webhooks page', async () => {
    const { jar } = await signIn(base, 'officer-hosp-a');
    const cookie = `medshare_gov_session=${jar.get(base, 'medshare_gov_session')}`;
    const me = (await (await fetch(`${base}/auth/me`, { headers: { cookie } })).json()) as { csrfToken: string };
    const subscribe = (csrf: string) =>
      fetch(`${base}/v1/webhooks`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf, origin: base },
        body: JSON.stringify({ url: hook, severities: ['critical'] }),
      });
    expect((await subscribe('wrong')).status).toBe(403);
    expect(await subscriptionsOf(bearer('hosp-a'))).toEqual([]);
    const created = await subscribe(me.csrfToken);
    expect(created.status).toBe(201);
    const { subscription } = (await created.json()) as { subscription: Subscription };
    expect(subscription).toMatchObject({ institution: 'hosp-a', createdBy: 'officer-hosp-a' });

    const page = await fetch(`${base}/webhooks`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain(subscription.id);
    expect(html).toContain('Delivery log');
    expect((await fetch(`${base}/webhooks`, { redirect: 'manual' })).status).toBe(302);
  });
});
