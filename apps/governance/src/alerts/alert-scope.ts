// What of an alert an officer sees: an institution's officer the alerts that concern it (about its staff, or about
// a patient it holds records of: AlertsRepository) whole; the operator every alert, without the patient's pseudonym
// (it oversees the platform, not patients).
import type { Scope } from '../auth/officer';
import type { StoredAlert } from './alerts.repository';

export const institutionOf = (scope: Scope): string | undefined => ('institution' in scope ? scope.institution : undefined);

export function asSeenBy(scope: Scope, alert: StoredAlert): StoredAlert {
  if (!('operator' in scope) || alert.details === null || !('patient' in alert.details)) return alert;
  const { patient: _patient, ...details } = alert.details;
  return { ...alert, details };
}
