// Prometheus metrics of governance, on the process-wide registry served at /metrics.
import { Counter, register } from 'prom-client';

const RAISED = 'medshare_governance_alerts_raised_total';

/** Alerts this service's rules published, by kind (alerts of other services are counted where they are raised). */
export const alertsRaised: Counter<'kind'> =
  (register.getSingleMetric(RAISED) as Counter<'kind'> | undefined) ??
  new Counter({ name: RAISED, help: 'Governance rule alerts published', labelNames: ['kind'] });

const STORED = 'medshare_governance_alerts_stored_total';

/** Alerts of every service newly stored from the alerts topic, by kind and severity. */
export const alertsStored: Counter<'kind' | 'severity'> =
  (register.getSingleMetric(STORED) as Counter<'kind' | 'severity'> | undefined) ??
  new Counter({ name: STORED, help: 'Alerts stored from the governance alerts topic', labelNames: ['kind', 'severity'] });
