// The webhooks page of the dashboard: the officer's subscriptions (never a secret) and their delivery log, each
// delivery with how its attempts ended. Subscribing, rotating and deleting go through the API (docs/governance.md).
import type { Officer } from '../auth/officer';
import { table } from '../dashboard/case-pages';
import { page } from '../dashboard/layout';
import { escapeHtml as escape } from '../http/html';
import type { DeliveryRecord, Subscription } from './webhooks.repository';

export interface WebhookPageView {
  officer: Officer;
  subscriptions: readonly Subscription[];
  deliveries: readonly DeliveryRecord[];
}

const every = (values: readonly string[]) => (values.length === 0 ? 'every' : values.join(', '));

export function webhookPage({ officer, subscriptions, deliveries }: WebhookPageView, nonce: string): string {
  const dead = deliveries.filter((delivery) => delivery.state === 'dead').length;
  const main = `<section id="subscriptions" aria-labelledby="subscriptions-title"><h2 id="subscriptions-title">Webhook subscriptions</h2>
${table(
  'Receivers of alerts, signed the Standard Webhooks way',
  ['subscription', 'institution', 'receiver', 'kinds', 'severities', 'created (UTC)', 'by', 'secret rotated (UTC)', 'previous secret signs until'],
  subscriptions.map((subscription) => [
    subscription.id,
    subscription.institution,
    subscription.url,
    every(subscription.kinds),
    every(subscription.severities),
    subscription.createdAt,
    subscription.createdBy,
    subscription.rotatedAt ?? 'never',
    subscription.previousSecretUntil ?? '-',
  ]),
)}</section>
<section id="deliveries" aria-labelledby="deliveries-title"><h2 id="deliveries-title">Delivery log</h2>
<p id="dead-letters">${escape(dead)} dead-lettered of the ${escape(deliveries.length)} newest deliveries.</p>
${table(
  'Newest first; a delivery keeps its webhook-id on every attempt',
  ['made (UTC)', 'webhook-id', 'subscription', 'alert event', 'state', 'attempts', 'last attempt', 'next attempt (UTC)'],
  deliveries.map((delivery) => {
    const last = delivery.log.at(-1);
    return [
      delivery.createdAt,
      delivery.webhookId,
      delivery.subscriptionId,
      delivery.alertEventId,
      delivery.state,
      delivery.attempts,
      last === undefined ? '-' : `${last.outcome}${last.status === null ? '' : ` (${last.status})`}, ${last.durationMs} ms, ${last.at}`,
      delivery.nextAttemptAt ?? '-',
    ];
  }),
)}</section>`;
  return page({ officer, title: 'Webhooks · medshare governance', root: '', nav: '<a href="./">Back to the dashboard</a>', main, script: '' }, nonce);
}
