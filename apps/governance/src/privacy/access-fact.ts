// What one access decision tells the privacy rules: who asked, for whom, why, and whether it was granted.
import type { MedshareEvent } from '@medshare/contracts';

export interface AccessFact {
  /** The decision event's id: a redelivered decision is counted once. */
  id: string;
  correlationid: string;
  /** Event time in epoch ms: rules never look at the clock, so a replay decides the same. */
  at: number;
  institution: string;
  practitioner: string;
  role?: string;
  patient?: string;
  purpose: string;
  permitted: boolean;
  breakGlass: boolean;
}

export function accessFactOf(event: MedshareEvent): AccessFact | undefined {
  if (event.type !== 'access.decision.v1') return undefined;
  const { requester, patient, purpose, purposeOfUse, effect, breakGlass } = event.data;
  return {
    id: event.id,
    correlationid: event.correlationid,
    at: Date.parse(event.time),
    institution: requester.institution,
    practitioner: requester.practitioner,
    ...(requester.role === undefined ? {} : { role: requester.role }),
    ...(patient === undefined ? {} : { patient }),
    purpose: purposeOfUse ?? purpose,
    permitted: effect === 'permit',
    breakGlass,
  };
}
