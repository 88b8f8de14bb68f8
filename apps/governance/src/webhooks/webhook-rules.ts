// The pure core of webhook routing: what a delivery's body says, how it is signed (Standard Webhooks, with both
// secrets during a rotation), when a failed delivery is tried again, and which receiver URLs may be called.
import { createHash, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { StoredAlert } from '../alerts/alerts.repository';

/** The type of every webhook body governance sends (Standard Webhooks' `type`). */
export const ALERT_WEBHOOK_TYPE = 'governance.alert.raised';

/**
 * The body of one delivery: the alert as an officer of the subscription's institution sees it in the alert queue,
 * without `details` (the patient's pseudonym among them): a receiver reads those with GET /v1/alerts.
 */
export function webhookBody(alert: StoredAlert): string {
  return JSON.stringify({
    type: ALERT_WEBHOOK_TYPE,
    timestamp: alert.raisedAt,
    data: {
      alertId: alert.alertId,
      eventId: alert.eventId,
      kind: alert.kind,
      severity: alert.severity,
      institution: alert.institution,
      summary: alert.summary,
      source: alert.source,
      raisedAt: alert.raisedAt,
    },
  });
}

/** The delivery's `webhook-id`, the same on every attempt: one per subscription and alert, whoever enqueues it. */
export function webhookIdOf(subscriptionId: string, alertEventId: string): string {
  return `msg_${createHash('sha256').update(`${subscriptionId}\n${alertEventId}`).digest('hex').slice(0, 32)}`;
}

/** A fresh secret in the Standard Webhooks form: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The three Standard Webhooks headers: `v1,` + base64(HMAC-SHA256(secret, id.timestamp.body)) for each secret
 * still valid (the current one first; during a rotation's overlap also the previous), separated by spaces.
 */
export function signDelivery(secrets: readonly string[], webhookId: string, at: Date, body: string): SignedHeaders {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(webhookId, at, body));
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

export interface RetryPolicy {
  /** Delay after the first failed attempt; each further failure doubles it. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  /** After this many failed attempts the delivery is dead-lettered. */
  maxAttempts: number;
}

export type NextStep = { state: 'delivered' } | { state: 'dead' } | { state: 'pending'; retryAt: Date };

/**
 * What follows the `attempts`-th attempt: delivered on 2xx; dead on 410 or once `maxAttempts` failed; else another
 * attempt after min(base·2^(attempts-1), max), spread by ±20 % (`random` in [0, 1)) so that receivers coming back
 * are not hit by every waiting delivery at once.
 */
export function nextStep(outcome: AttemptOutcome, policy: RetryPolicy, attempts: number, now: Date, random: number): NextStep {
  if (outcome === 'delivered') return { state: 'delivered' };
  if (outcome === 'gone' || attempts >= policy.maxAttempts) return { state: 'dead' };
  const delay = Math.min(policy.baseMs * 2 ** (attempts - 1), policy.maxMs);
  return { state: 'pending', retryAt: new Date(now.getTime() + Math.round(delay * (0.8 + 0.4 * random))) };
}

/** How an attempt ended (the delivery log keeps this, the status and the duration; never the receiver's answer). */
export type AttemptOutcome = 'delivered' | 'http-error' | 'gone' | 'redirect' | 'timeout' | 'network' | 'url-refused';

/** A receiver's status: 2xx delivered; 410 Gone ends the delivery at once (Standard Webhooks: stop sending); 3xx is not followed. */
export function outcomeOfStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  if (status >= 300 && status < 400) return 'redirect';
  return 'http-error';
}

export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

/**
 * Why a receiver URL may not be called, or undefined when it may: only http(s), no credentials in it, https in
 * production, and its host on the allow-list (`*` allows every host). The allow-list is what keeps officers from
 * making governance post to addresses inside the platform's network (SSRF); see docs/governance.md, "Routing".
 */
export function refusedUrl(text: string, allowedHosts: readonly string[], production: boolean): string | undefined {
  // The URL parser would strip or escape these silently; a receiver URL has no reason to carry them.
  if (/[\u0000-\u0020\u007f]/.test(text)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (production && url.protocol !== 'https:') return 'must be an https URL';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  if (!allowedHosts.includes('*') && !allowedHosts.includes(url.hostname.toLowerCase())) return 'names a host not on WEBHOOK_ALLOWED_HOSTS';
  return undefined;
}
