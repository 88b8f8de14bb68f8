// Turns what a rule found into the governance.alert.v1 event it publishes, caused by the triggering event.
import { envelope } from '@medshare/contracts';
import type { RuleAlert } from '../rules/detectors';
import type { AlertEvent } from './alerts.repository';

export const GOVERNANCE_SOURCE = 'governance';

export function alertEventOf(alert: RuleAlert, now: Date = new Date()): AlertEvent {
  const { alertId, kind, severity, summary, institution, details, trigger } = alert;
  return envelope('governance.alert.v1', GOVERNANCE_SOURCE, { alertId, kind, severity, summary, institution, details }, { cause: trigger, time: now });
}
