// Turns what a rule found into the governance.alert.v1 event it publishes, caused by the triggering event.
import { envelope } from '@medshare/contracts';
import type { RuleAlert } from '../rules/detectors';
import type { AlertEvent } from './alerts.repository';

export const GOVERNANCE_SOURCE = 'governance';

/** The alert's time is the trigger's: the breach happened then, and a replay raises it at the same time. */
export function alertEventOf(alert: RuleAlert): AlertEvent {
  const { alertId, kind, severity, summary, institution, details, trigger, windowKey, at } = alert;
  return envelope(
    'governance.alert.v1',
    GOVERNANCE_SOURCE,
    { alertId, kind, severity, summary, institution, details: { ...details, windowKey } },
    { cause: trigger, time: new Date(at) },
  );
}
