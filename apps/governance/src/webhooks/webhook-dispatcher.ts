// Sends due webhook deliveries: claims them (any instance, each once), signs each attempt, POSTs it with a timeout
// and without following redirects, never reads the receiver's answer, and logs how the attempt ended. A failure is
// tried again on the back-off schedule; after the limit (or a 410) the delivery is dead-lettered and one
// `dead-letters` alert per subscription and day tells the institution's officers.
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { envelope, topics } from '@medshare/contracts';
import type { EventPublisher } from '@medshare/messaging';
import type { Logger } from '@medshare/service-kit';
import { GOVERNANCE_SOURCE } from '../alerts/alert-events';
import type { OutboxRepository } from '../outbox/outbox.repository';
import { webhookAttempts } from './webhook.metrics';
import { nextStep, outcomeOfStatus, refusedUrl, signDelivery, type AttemptOutcome, type RetryPolicy } from './webhook-rules';
import type { WebhookSecrets } from './webhook-secrets';
import type { ClaimedDelivery, WebhooksRepository } from './webhooks.repository';

export interface DispatchSettings {
  retry: RetryPolicy;
  /** A receiver must answer (status line and headers) within this. */
  timeoutMs: number;
  allowedHosts: readonly string[];
  production: boolean;
  /** Deliveries claimed at once by one instance. */
  batch: number;
  /** How often each instance looks for due deliveries. */
  pollMs: number;
  /** A claim outlives the attempt's timeout by this much before another instance may take the delivery. */
  leaseMarginMs: number;
}

const USER_AGENT = 'medshare-governance-webhooks/1';

export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly repository: WebhooksRepository,
    private readonly secrets: WebhookSecrets,
    private readonly outbox: OutboxRepository,
    private readonly publisher: EventPublisher,
    private readonly settings: DispatchSettings,
    private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.dispatchDue()
        .then(() => undefined)
        .catch((error: unknown) => this.log.warn({ error: error instanceof Error ? error.message : String(error) }, 'webhook dispatch failed'))
        .finally(() => (this.running = undefined));
    }, this.settings.pollMs);
  }

  /** Attempts in flight finish (and are logged) before the service stops. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Sends what is due now; returns how many deliveries were attempted. */
  async dispatchDue(): Promise<number> {
    const claimed = await this.repository.claim(this.settings.batch, this.settings.timeoutMs + this.settings.leaseMarginMs);
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    return claimed.length;
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const at = new Date();
    const started = performance.now();
    const { outcome, status } = await this.attempt(delivery, at);
    const next = nextStep(outcome, this.settings.retry, delivery.attempt, new Date(), Math.random());
    webhookAttempts.inc({ outcome });
    const finished = await this.repository.finish(delivery, { at, outcome, status, durationMs: performance.now() - started }, next);
    if (finished && next.state === 'dead') await this.raiseDeadLetter(delivery);
  }

  private async attempt(delivery: ClaimedDelivery, at: Date): Promise<{ outcome: AttemptOutcome; status: number | null }> {
    // Checked again at every attempt: the allow-list may have shrunk since the subscription was made.
    if (refusedUrl(delivery.url, this.settings.allowedHosts, this.settings.production) !== undefined) return { outcome: 'url-refused', status: null };
    const secrets = [delivery.secret, ...(delivery.previousSecret === null ? [] : [delivery.previousSecret])].map((sealed) =>
      this.secrets.open(delivery.subscriptionId, sealed),
    );
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: { ...signDelivery(secrets, delivery.webhookId, at, delivery.body), 'content-type': 'application/json', 'user-agent': USER_AGENT },
        body: delivery.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      // The answer's body is never read: only the status counts.
      await response.body?.cancel().catch(() => undefined);
      return { outcome: outcomeOfStatus(response.status), status: response.status };
    } catch (error) {
      // AbortSignal.timeout rejects with a DOMException named TimeoutError (not an Error in every realm).
      return { outcome: (error as { name?: unknown } | null)?.name === 'TimeoutError' ? 'timeout' : 'network', status: null };
    }
  }

  /** One alert per subscription and UTC day, whichever instance dead-letters first (the outbox claims its id once). */
  private async raiseDeadLetter(delivery: ClaimedDelivery): Promise<void> {
    const subscription = await this.repository.get(delivery.subscriptionId);
    if (subscription === undefined) return;
    const day = new Date().toISOString().slice(0, 10);
    const alertId = `dead-letters-${createHash('sha256').update(`webhook\n${subscription.id}\n${day}`).digest('hex').slice(0, 40)}`;
    const claimed = await this.outbox.publishLater(topics.governanceAlerts, [
      {
        id: alertId,
        event: envelope('governance.alert.v1', GOVERNANCE_SOURCE, {
          alertId,
          kind: 'dead-letters',
          severity: 'warning',
          summary: `a webhook delivery of subscription ${subscription.id} was dead-lettered after ${delivery.attempt} attempt(s); see its delivery log`,
          institution: subscription.institution,
          details: { component: 'webhook', subscription: subscription.id, webhookId: delivery.webhookId, attempts: delivery.attempt },
        }),
      },
    ]);
    await this.outbox.publishPending(this.publisher);
    this.log.warn(
      { webhookId: delivery.webhookId, subscription: subscription.id, attempts: delivery.attempt, alerted: claimed.length > 0 },
      'webhook delivery dead-lettered',
    );
  }
}
