import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { StoredAlert } from '../alerts/alerts.repository';
import {
  LOOPBACK_HOSTS,
  newWebhookSecret,
  nextStep,
  outcomeOfStatus,
  refusedUrl,
  signDelivery,
  webhookBody,
  webhookIdOf,
  type RetryPolicy,
} from './webhook-rules';

const body = JSON.stringify({ type: 'governance.alert.raised', data: { alertId: 'a-1' } });
const at = new Date('2026-12-06T12:00:00.000Z');
const headersOf = (secrets: string[]) => ({ ...signDelivery(secrets, 'msg_0123', at, body) });
const receiverAt = (time: Date) => {
  jest.useFakeTimers({ now: time, doNotFake: ['nextTick', 'setImmediate'] });
};

describe('signing (Standard Webhooks)', () => {
  afterEach(() => jest.useRealTimers());

  it('signs v1,base64(HMAC-SHA256(secret, id.timestamp.body)) with the key the whsec_ secret encodes', () => {
    const secret = newWebhookSecret();
    const headers = headersOf([secret]);
    const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
      .update(`msg_0123.${Math.floor(at.getTime() / 1000)}.${body}`)
      .digest('base64');
    expect(headers).toEqual({ 'webhook-id': 'msg_0123', 'webhook-timestamp': '1796558400', 'webhook-signature': `v1,${expected}` });
  });

  it("verifies with the receiver's library, and fails with another secret or an edited body", () => {
    receiverAt(at);
    const secret = newWebhookSecret();
    const headers = headersOf([secret]);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body.replace('a-1', 'a-2'), headers)).toThrow();
  });

  it("during a rotation's overlap carries both signatures, space-separated, so either secret verifies", () => {
    receiverAt(at);
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const headers = headersOf([current, previous]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature'].split(' ').every((signature) => signature.startsWith('v1,'))).toBe(true);
    expect(new Webhook(current).verify(body, headers)).toBeDefined();
    expect(new Webhook(previous).verify(body, headers)).toBeDefined();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('makes a new 32-byte secret each time', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newWebhookSecret()).not.toBe(secret);
  });
});

describe('delivery identity and body', () => {
  it('gives one webhook-id per subscription and alert, the same whoever computes it', () => {
    expect(webhookIdOf('s-1', 'e-1')).toBe(webhookIdOf('s-1', 'e-1'));
    expect(webhookIdOf('s-1', 'e-1')).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(new Set([webhookIdOf('s-1', 'e-1'), webhookIdOf('s-2', 'e-1'), webhookIdOf('s-1', 'e-2')]).size).toBe(3);
  });

  it("carries the alert's ids, kind, severity, institution, summary and times, but not its details (the patient's pseudonym)", () => {
    const alert: StoredAlert = {
      eventId: 'e-1',
      alertId: 'self-access-1',
      kind: 'self-access',
      severity: 'critical',
      summary: 'practitioner pr-x of hosp-a read their own record',
      institution: 'hosp-a',
      details: { patient: 'p-secretpseudonym', windowKey: 'k' },
      source: 'governance',
      correlationId: 'c-1',
      causationId: 'd-1',
      raisedAt: '2026-12-06T12:00:00.000Z',
    };
    const parsed = JSON.parse(webhookBody(alert)) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(parsed).toEqual({
      type: 'governance.alert.raised',
      timestamp: alert.raisedAt,
      data: {
        alertId: 'self-access-1',
        eventId: 'e-1',
        kind: 'self-access',
        severity: 'critical',
        institution: 'hosp-a',
        summary: alert.summary,
        source: 'governance',
        raisedAt: alert.raisedAt,
      },
    });
    expect(webhookBody(alert)).not.toContain('p-secretpseudonym');
  });
});

describe('retries', () => {
  const policy: RetryPolicy = { baseMs: 10_000, maxMs: 60_000, maxAttempts: 5 };
  const now = new Date('2026-12-06T12:00:00.000Z');
  const inMs = (step: ReturnType<typeof nextStep>) => (step.state === 'pending' ? step.retryAt.getTime() - now.getTime() : step.state);

  it.each([
    ['a 2xx is delivered', 'delivered', 1, 0.5, 'delivered'],
    ['a 410 is dead at once (the receiver said stop)', 'gone', 1, 0.5, 'dead'],
    ['the first failure waits the base', 'http-error', 1, 0.5, 10_000],
    ['each failure doubles the wait', 'timeout', 3, 0.5, 40_000],
    ['the wait is capped', 'network', 4, 0.5, 60_000],
    ['the spread is at least -20 %', 'http-error', 2, 0, 16_000],
    ['the spread is at most +20 %', 'http-error', 2, 0.999_999, 24_000],
    ['the last allowed failure is dead-lettered', 'http-error', 5, 0.5, 'dead'],
    ['a refused URL is retried like any failure (the allow-list may be fixed)', 'url-refused', 2, 0.5, 20_000],
  ] as const)('%s', (_name, outcome, attempts, random, expected) => {
    expect(inMs(nextStep(outcome, policy, attempts, now, random))).toBe(expected);
  });

  it('documents the default schedule: 12 attempts over about 3.4 hours', () => {
    const defaults: RetryPolicy = { baseMs: 10_000, maxMs: 3_600_000, maxAttempts: 12 };
    const waits = Array.from({ length: 11 }, (_, index) => inMs(nextStep('http-error', defaults, index + 1, now, 0.5)));
    expect(waits).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, 1_280_000, 2_560_000, 3_600_000, 3_600_000]);
    expect(nextStep('http-error', defaults, 12, now, 0.5)).toEqual({ state: 'dead' });
  });

  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [301, 'redirect'],
    [307, 'redirect'],
    [400, 'http-error'],
    [410, 'gone'],
    [500, 'http-error'],
  ] as const)('status %i is %s', (status, outcome) => expect(outcomeOfStatus(status)).toBe(outcome));
});

describe('receiver URLs', () => {
  it.each([
    ['http on loopback (development)', 'http://127.0.0.1:8080/hook', LOOPBACK_HOSTS, false, undefined],
    ['https on an allowed host', 'https://siem.hosp-a.example/hook', ['siem.hosp-a.example'], true, undefined],
    ['any host under *', 'https://anything.example/', ['*'], true, undefined],
    ['not a URL', 'notaurl', ['*'], false, 'must be an absolute URL'],
    ['a NUL byte the parser would strip', '\u0000http://127.0.0.1/x', LOOPBACK_HOSTS, false, 'must not contain spaces or control characters'],
    ['a space', 'http://127.0.0.1/a b', LOOPBACK_HOSTS, false, 'must not contain spaces or control characters'],
    ['file:', 'file:///etc/passwd', ['*'], false, 'must be an http or https URL'],
    ['ftp:', 'ftp://127.0.0.1/x', LOOPBACK_HOSTS, false, 'must be an http or https URL'],
    ['http in production', 'http://siem.hosp-a.example/hook', ['siem.hosp-a.example'], true, 'must be an https URL'],
    ['credentials in the URL', 'https://user:pw@siem.hosp-a.example/', ['siem.hosp-a.example'], false, 'must not carry credentials'],
    ['a host not allowed', 'http://169.254.169.254/latest/meta-data', LOOPBACK_HOSTS, false, 'names a host not on WEBHOOK_ALLOWED_HOSTS'],
    ['nothing allowed (production default)', 'https://siem.hosp-a.example/hook', [], true, 'names a host not on WEBHOOK_ALLOWED_HOSTS'],
  ] as const)('%s', (_name, url, hosts, production, refusal) => {
    expect(refusedUrl(url, hosts, production)).toBe(refusal);
  });
});
