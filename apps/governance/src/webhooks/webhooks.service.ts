// What officers do with webhooks: subscribe a receiver, rotate its secret, delete it, read the delivery log. An
// officer acts on its own institution's subscriptions only; the operator reads every one and changes none.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { webhookSubscriptionBody } from '@medshare/contracts';
import { institutionOf } from '../alerts/alert-scope';
import type { Scope } from '../auth/officer';
import { WebhookError, WebhookErrorCode } from './webhook-error';
import { newWebhookSecret, refusedUrl } from './webhook-rules';
import type { WebhookSecrets } from './webhook-secrets';
import type { DeliveryQuery, DeliveryRecord, Subscription, WebhooksRepository } from './webhooks.repository';

export interface WebhookPolicy {
  allowedHosts: readonly string[];
  production: boolean;
  /** How long the previous secret still signs after a rotation. */
  rotationOverlapMs: number;
}

/** A subscription with its secret: answered once, at creation or rotation, and never again. */
export interface WithSecret {
  subscription: Subscription;
  secret: string;
}

export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly secrets: WebhookSecrets,
    private readonly policy: WebhookPolicy,
  ) {}

  list(scope: Scope): Promise<Subscription[]> {
    return this.repository.list(institutionOf(scope));
  }

  async create(officer: { institution: string; subject: string }, body: z.output<typeof webhookSubscriptionBody>): Promise<WithSecret> {
    const refused = refusedUrl(body.url, this.policy.allowedHosts, this.policy.production);
    if (refused !== undefined) throw new WebhookError(WebhookErrorCode.UrlRefused, `url: ${refused}`);
    const id = randomUUID();
    const secret = newWebhookSecret();
    const subscription = await this.repository.create({
      id,
      institution: officer.institution,
      // Stored as the URL parser serialises it: control characters it strips or escapes never reach the table.
      url: new URL(body.url).href,
      kinds: [...new Set(body.kinds)],
      severities: [...new Set(body.severities)],
      secret: this.secrets.seal(id, secret),
      createdBy: officer.subject,
    });
    return { subscription, secret };
  }

  async rotate(institution: string, id: string): Promise<WithSecret> {
    await this.owned(institution, id);
    const secret = newWebhookSecret();
    const subscription = await this.repository.rotate(id, this.secrets.seal(id, secret), new Date(Date.now() + this.policy.rotationOverlapMs));
    return { subscription, secret };
  }

  async delete(institution: string, id: string): Promise<void> {
    await this.owned(institution, id);
    await this.repository.delete(id);
  }

  deliveries(scope: Scope, query: Omit<DeliveryQuery, 'institution'>): Promise<DeliveryRecord[]> {
    const institution = institutionOf(scope);
    return this.repository.deliveries({ ...query, ...(institution === undefined ? {} : { institution }) });
  }

  async retryDead(institution: string, webhookId: string): Promise<void> {
    if (!(await this.repository.retryDead(webhookId, institution))) throw new WebhookError(WebhookErrorCode.NotFound, 'no such dead delivery');
  }

  private async owned(institution: string, id: string): Promise<Subscription> {
    const subscription = await this.repository.get(id);
    if (subscription === undefined || subscription.institution !== institution) throw new WebhookError(WebhookErrorCode.NotFound, 'no such subscription');
    return subscription;
  }
}
