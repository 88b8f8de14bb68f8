// Prometheus metrics of webhook routing, on the process-wide registry served at /metrics.
import { Counter, register } from 'prom-client';

const ATTEMPTS = 'medshare_governance_webhook_attempts_total';

/** Delivery attempts by how they ended (delivered, http-error, gone, redirect, timeout, network, url-refused). */
export const webhookAttempts: Counter<'outcome'> =
  (register.getSingleMetric(ATTEMPTS) as Counter<'outcome'> | undefined) ??
  new Counter({ name: ATTEMPTS, help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'] });
