// Folds alert counts and consumption figures into the summary the API and the dashboard show.
import type { AlertCounts } from '../alerts/alerts.repository';

export interface Summary {
  alerts: {
    total: number;
    byKind: Record<string, Record<string, number>>;
    bySeverity: Record<string, number>;
    lastAlertAt: string | null;
  };
  consumed: { since: string; byTopic: Record<string, number> };
}

export function summarise(counts: readonly AlertCounts[], lastAlertAt: string | null, consumed: Summary['consumed']): Summary {
  const byKind: Record<string, Record<string, number>> = {};
  const bySeverity: Record<string, number> = {};
  let total = 0;
  for (const { kind, severity, count } of counts) {
    byKind[kind] = { ...byKind[kind], [severity]: count, total: (byKind[kind]?.total ?? 0) + count };
    bySeverity[severity] = (bySeverity[severity] ?? 0) + count;
    total += count;
  }
  return { alerts: { total, byKind, bySeverity, lastAlertAt }, consumed };
}
