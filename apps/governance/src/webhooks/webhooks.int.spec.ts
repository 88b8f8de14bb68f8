// Webhook routing against the real PostgreSQL and Kafka and a real HTTP receiver in this process, which verifies
// every request with the `standardwebhooks` library: delivery with a valid signature, retries under the same
// webhook-id, the dead letter after the limit, rotation without downtime, two instances sending each delivery once,
// and a claim abandoned by a killed instance taken again after its lease.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kafka } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import type { DataSource } from 'typeorm';
import { envelope, topics, type EventOf } from '@medshare/contracts';
import { createKafka, EventPublisher } from '@medshare/messaging';
import { createLogger, openDatabase } from '@medshare/service-kit';
import { databaseUrl, dropDatabase, testEndpoints } from '../../../../test/support/endpoints';
import { consistently, eventually } from '../../../../test/support/eventually';
import { AlertsRepository } from '../alerts/alerts.repository';
import { DEV_CASE_NOTES_KEY } from '../cases/case-notes';
import { migrations } from '../migrations';
import { OutboxRepository } from '../outbox/outbox.repository';
import { WebhookDispatcher, type DispatchSettings } from './webhook-dispatcher';
import { LOOPBACK_HOSTS } from './webhook-rules';
import { WebhookSecrets } from './webhook-secrets';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

const run = randomUUID().slice(0, 8);
let institutions = 0;
/** An institution of its own for each test, so that no test's alerts reach another's receivers. */
const fresh = () => `wh-${run}-${++institutions}`;
const log = createLogger('webhooks-int', (process.env.GOV_LOG ?? 'silent') as 'silent');
const secrets = new WebhookSecrets(DEV_CASE_NOTES_KEY);
const OVERLAP_MS = 3000;
const settings: DispatchSettings = {
  retry: { baseMs: 200, maxMs: 400, maxAttempts: 4 },
  // The receiver shares this process (and two busy cores): a short timeout would time out answers it did send.
  timeoutMs: 4000,
  allowedHosts: LOOPBACK_HOSTS,
  production: false,
  batch: 20,
  pollMs: 50,
  leaseMarginMs: 500,
};

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The receiver: answers each path with the statuses queued for it (then the path's last one), and records every request. */
class Receiver {
  readonly received: Received[] = [];
  private readonly answers = new Map<string, number[]>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        this.received.push({ path, headers: request.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
        if (path.startsWith('/slow')) return; // never answers: the sender's timeout ends it
        const queued = this.answers.get(path) ?? [200];
        const status = queued.length > 1 ? queued.shift()! : queued[0];
        response.writeHead(status, status === 302 ? { location: `${this.url}/followed` } : {}).end('the receiver says something governance must not log');
      });
    });
    await new Promise<void>((listening) => this.server.listen(0, '127.0.0.1', listening));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(path: string, statuses: number[]): string {
    this.answers.set(path, statuses);
    return `${this.url}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((request) => request.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((closed) => this.server.close(closed));
  }
}

const verifies = (secret: string, request: Received): boolean => {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
};

describe('webhook routing against PostgreSQL, Kafka and a real receiver', () => {
  const databaseName = `governance_wh${run}`;
  let dataSource: DataSource;
  let second: DataSource;
  let kafka: Kafka;
  let publisher: EventPublisher;
  let repository: WebhooksRepository;
  let service: WebhooksService;
  let alerts: AlertsRepository;
  const dispatchers: WebhookDispatcher[] = [];
  const receiver = new Receiver();

  const dispatcher = (source: DataSource) => {
    const started = new WebhookDispatcher(new WebhooksRepository(source), secrets, new OutboxRepository(source), publisher, settings, log);
    started.onApplicationBootstrap();
    dispatchers.push(started);
    return started;
  };

  /** Stores an alert as the state consumer does, and makes its deliveries. */
  async function raise(institution: string, data: Partial<EventOf<'governance.alert.v1'>['data']> = {}): Promise<EventOf<'governance.alert.v1'>> {
    const alert = envelope('governance.alert.v1', 'governance', {
      alertId: `wh-${randomUUID()}`,
      kind: 'self-access',
      severity: 'critical',
      summary: 'practitioner pr-test of an institution read their own record',
      institution,
      ...data,
    });
    await alerts.store([alert]);
    await repository.enqueue([alert.id]);
    return alert;
  }

  const subscribe = (institution: string, path: string, statuses: number[], kinds: 'self-access'[] = []) =>
    service.create({ institution, subject: 'officer-test' }, { url: receiver.answer(path, statuses), kinds, severities: [] });

  beforeAll(async () => {
    const url = databaseUrl(testEndpoints().stateServer, databaseName);
    dataSource = await openDatabase({ url, entities: [], migrations });
    second = await openDatabase({ url, entities: [], migrations: [] });
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: `webhooks-int-${run}` });
    publisher = new EventPublisher(kafka);
    await publisher.connect();
    repository = new WebhooksRepository(dataSource);
    alerts = new AlertsRepository(dataSource);
    service = new WebhooksService(repository, secrets, { allowedHosts: LOOPBACK_HOSTS, production: false, rotationOverlapMs: OVERLAP_MS });
    await receiver.start();
    // Two instances on one database: every test below runs with both sending.
    dispatcher(dataSource);
    dispatcher(second);
  }, 60_000);

  afterAll(async () => {
    for (const running of dispatchers) await running.beforeApplicationShutdown();
    await receiver.stop();
    await publisher?.disconnect();
    await second?.destroy();
    await dataSource?.destroy();
    await dropDatabase(testEndpoints().stateServer, databaseName);
  });

  it('delivers an alert of its institution once, signed so that the receiver verifies it; not alerts of other kinds or institutions', async () => {
    const hosp = fresh();
    const { subscription, secret } = await subscribe(hosp, '/ok', [200], ['self-access']);
    const alert = await raise(hosp);
    await raise(hosp, { kind: 'vip-access', severity: 'warning' });
    await raise(fresh());
    const [request] = await eventually(() => (receiver.at('/ok').length > 0 ? receiver.at('/ok') : undefined), { what: 'a delivery' });
    expect(verifies(secret, request)).toBe(true);
    expect(verifies(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, request)).toBe(false);
    expect(JSON.parse(request.body)).toMatchObject({
      type: 'governance.alert.raised',
      data: { alertId: alert.data.alertId, eventId: alert.id, kind: 'self-access' },
    });
    expect(request.headers['content-type']).toBe('application/json');
    await consistently(() => receiver.at('/ok').length === 1, { forMs: 1000, what: 'one request only' });
    const [delivery] = await repository.deliveries({ subscriptionId: subscription.id, limit: 10 });
    expect(delivery).toMatchObject({
      webhookId: request.headers['webhook-id'],
      state: 'delivered',
      attempts: 1,
      log: [{ attempt: 1, outcome: 'delivered', status: 200 }],
    });
  });

  it('routes an alert about a patient the institution holds records of to that institution too', async () => {
    const [staff, holder] = [fresh(), fresh()];
    const patient = `p-${run}-held`;
    await dataSource.query(`INSERT INTO care_records (institution, patient, last_at) VALUES ($1, $2, now())`, [holder, patient]);
    const { secret } = await subscribe(holder, '/holder', [200]);
    await raise(staff, { details: { patient } });
    await raise(staff, { details: { patient: `p-${run}-not-held` } });
    const [request] = await eventually(() => (receiver.at('/holder').length > 0 ? receiver.at('/holder') : undefined), { what: 'the holder’s delivery' });
    expect(verifies(secret, request)).toBe(true);
    expect(request.body).not.toContain(patient);
    await consistently(() => receiver.at('/holder').length === 1, { forMs: 800, what: 'only the alert about its patient' });
  });

  it('retries a receiver that fails twice with the same webhook-id and delivers on the third attempt', async () => {
    const hosp = fresh();
    const { subscription, secret } = await subscribe(hosp, '/flaky', [500, 500, 200]);
    await raise(hosp);
    const requests = await eventually(() => (receiver.at('/flaky').length >= 3 ? receiver.at('/flaky') : undefined), { what: 'three attempts' });
    expect(new Set(requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
    expect(requests.every((request) => verifies(secret, request))).toBe(true);
    const [delivery] = await eventually(async () => {
      const found = await repository.deliveries({ subscriptionId: subscription.id, limit: 10 });
      return found[0]?.state === 'delivered' ? found : undefined;
    });
    expect(delivery.log.map(({ outcome, status }) => [outcome, status])).toEqual([
      ['http-error', 500],
      ['http-error', 500],
      ['delivered', 200],
    ]);
    // Backed off: the second failure waited about twice the first (base 200 ms, ±20 %).
    const gaps = [1, 2].map((index) => Date.parse(delivery.log[index].at) - Date.parse(delivery.log[index - 1].at));
    expect(gaps[0]).toBeGreaterThanOrEqual(160);
    expect(gaps[1]).toBeGreaterThanOrEqual(320);
  });

  it('dead-letters a delivery after the limit, logs each attempt, raises one dead-letters alert about the subscription, and sends it again on request', async () => {
    const hosp = fresh();
    const { subscription } = await subscribe(hosp, '/down', [503]);
    await raise(hosp);
    const [dead] = await eventually(
      () => repository.deliveries({ subscriptionId: subscription.id, state: 'dead', limit: 10 }).then((found) => (found.length > 0 ? found : undefined)),
      {
        what: 'the dead letter',
      },
    );
    expect(dead.attempts).toBe(settings.retry.maxAttempts);
    expect(dead.log.map(({ outcome }) => outcome)).toEqual(['http-error', 'http-error', 'http-error', 'http-error']);
    await consistently(() => receiver.at('/down').length === settings.retry.maxAttempts, { forMs: 1000, what: 'no attempt after the limit' });
    // Claimed in the outbox with the dead letter, then published: on three brokers (acks=all) under load that can take seconds.
    const raised = await eventually(
      async () => {
        const rows: { event: EventOf<'governance.alert.v1'>; published: boolean }[] = await dataSource.query(
          `SELECT event, published_at IS NOT NULL AS published FROM outbox WHERE topic = $1 AND event->'data'->'details'->>'subscription' = $2`,
          [topics.governanceAlerts.name, subscription.id],
        );
        return rows.some((row) => row.published) ? rows : undefined;
      },
      { what: 'the dead-letters alert published' },
    );
    expect(raised).toHaveLength(1);
    expect(raised[0].event.data).toMatchObject({ kind: 'dead-letters', institution: hosp, details: { component: 'webhook', webhookId: dead.webhookId } });
    // An officer sends it once more after the receiver is fixed: same webhook-id, delivered; another institution cannot.
    await expect(service.retryDead(fresh(), dead.webhookId)).rejects.toThrow('no such dead delivery');
    receiver.answer('/down', [200]);
    await service.retryDead(hosp, dead.webhookId);
    const [again] = await eventually(() =>
      repository.deliveries({ subscriptionId: subscription.id, state: 'delivered', limit: 10 }).then((found) => (found.length > 0 ? found : undefined)),
    );
    expect(again.log.at(-1)).toMatchObject({ attempt: settings.retry.maxAttempts + 1, outcome: 'delivered', status: 200 });
    expect(receiver.at('/down').at(-1)?.headers['webhook-id']).toBe(dead.webhookId);
    await expect(service.retryDead(hosp, dead.webhookId)).rejects.toThrow('no such dead delivery');
  });

  it('neither follows a redirect nor waits past the timeout', async () => {
    const hosp = fresh();
    const { subscription } = await subscribe(hosp, '/moved', [302]);
    const slow = await subscribe(hosp, '/slow', [200]);
    await raise(hosp);
    const deliveries = async (id: string) => (await repository.deliveries({ subscriptionId: id, limit: 10 }))[0];
    // Both are failures, so retried: the first attempt of each is what this test reads.
    await eventually(
      async () => ((await deliveries(subscription.id))?.log.length ?? 0) >= 1 && ((await deliveries(slow.subscription.id))?.log.length ?? 0) >= 1,
      {
        what: 'an attempt each',
      },
    );
    expect((await deliveries(subscription.id)).log[0]).toMatchObject({ outcome: 'redirect', status: 302 });
    expect(receiver.at('/followed')).toHaveLength(0);
    const timedOut = (await deliveries(slow.subscription.id)).log[0];
    expect(timedOut).toMatchObject({ outcome: 'timeout', status: null });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(settings.timeoutMs - 50);
    expect(timedOut.durationMs).toBeLessThan(settings.timeoutMs + 1000);
  });

  it('rotates the secret without downtime: during the overlap either secret verifies, after it only the new one', async () => {
    const hosp = fresh();
    const { subscription, secret: old } = await subscribe(hosp, '/rotating', [200]);
    const rotated = await service.rotate(hosp, subscription.id);
    expect(rotated.secret).not.toBe(old);
    expect(rotated.subscription.previousSecretUntil).not.toBeNull();
    await raise(hosp);
    const [during] = await eventually(() => (receiver.at('/rotating').length === 1 ? receiver.at('/rotating') : undefined), {
      what: 'a delivery in the overlap',
    });
    expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifies(old, during)).toBe(true);
    expect(verifies(rotated.secret, during)).toBe(true);
    await new Promise((overlapEnds) => setTimeout(overlapEnds, Date.parse(rotated.subscription.previousSecretUntil!) - Date.now() + 100));
    await raise(hosp);
    const after = await eventually(() => receiver.at('/rotating')[1], { what: 'a delivery after the overlap' });
    expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(verifies(rotated.secret, after)).toBe(true);
    expect(verifies(old, after)).toBe(false);
    // The stored secret is sealed: neither secret is in the table.
    const [row]: { secret: unknown; previous_secret: unknown }[] = await dataSource.query(
      `SELECT secret, previous_secret FROM webhook_subscriptions WHERE id = $1`,
      [subscription.id],
    );
    expect(JSON.stringify(row)).not.toContain(rotated.secret.slice('whsec_'.length));
    expect(JSON.stringify(row)).not.toContain(old.slice('whsec_'.length));
  });

  it('sends each of 40 deliveries exactly once with two instances claiming at the same time', async () => {
    const hosp = fresh();
    await subscribe(hosp, '/many', [200]);
    await Promise.all(Array.from({ length: 40 }, () => raise(hosp)));
    await eventually(() => receiver.at('/many').length >= 40, { timeoutMs: 30_000, what: '40 deliveries' });
    await consistently(() => receiver.at('/many').length === 40, { forMs: 1000, what: 'no second send' });
    expect(new Set(receiver.at('/many').map((request) => request.headers['webhook-id'])).size).toBe(40);
  });

  it('sends again, with the same webhook-id, a delivery whose instance died after claiming it (its lease runs out)', async () => {
    for (const running of dispatchers) await running.beforeApplicationShutdown();
    const hosp = fresh();
    const { subscription } = await subscribe(hosp, '/orphan', [200]);
    await raise(hosp);
    // An instance claims the delivery and is killed before it sends or logs anything.
    const [orphan] = await new WebhooksRepository(second).claim(10, settings.timeoutMs + settings.leaseMarginMs);
    expect(orphan.subscriptionId).toBe(subscription.id);
    const claimedAt = Date.now();
    dispatcher(dataSource);
    const [request] = await eventually(() => (receiver.at('/orphan').length > 0 ? receiver.at('/orphan') : undefined), { what: 'the resend' });
    expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(settings.timeoutMs + settings.leaseMarginMs - 100);
    expect(request.headers['webhook-id']).toBe(orphan.webhookId);
    const [delivery] = await eventually(async () => {
      const found = await repository.deliveries({ subscriptionId: subscription.id, limit: 10 });
      return found[0]?.state === 'delivered' ? found : undefined;
    });
    expect(delivery).toMatchObject({ attempts: 2, log: [{ attempt: 2, outcome: 'delivered' }] });
  });
});
