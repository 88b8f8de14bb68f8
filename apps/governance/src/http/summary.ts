// Folds alert counts and consumption figures into the summary the API and the dashboard show.
import type { AlertCounts } from '../alerts/alerts.repository';
import type { DeadLetterCounts } from '../health/dead-letters.repository';

export interface Summary {
  alerts: {
    total: number;
    byKind: Record<string, Record<string, number>>;
    bySeverity: Record<string, number>;
    lastAlertAt: string | null;
  };
  consumed: { since: string; byTopic: Record<string, number> };
  /** Platform-wide, from the dead-letter topic: per refused topic. */
  deadLetters: DeadLetterCounts[];
}

export function summarise(counts: readonly AlertCounts[], lastAlertAt: string | null, consumed: Summary['consumed'], deadLetters: DeadLetterCounts[]): Summary {
  const byKind: Record<string, Record<string, number>> = {};
  const bySeverity: Record<string, number> = {};
  let total = 0;
  for (const { kind, severity, count } of counts) {
    byKind[kind] = { ...byKind[kind], [severity]: count, total: (byKind[kind]?.total ?? 0) + count };
    bySeverity[severity] = (bySeverity[severity] ?? 0) + count;
    total += count;
  }
  return { alerts: { total, byKind, bySeverity, lastAlertAt }, consumed, deadLetters };
}
