// Patients as callers name them (a FHIR token `system|value` of one of their identifiers) turned into the
// pseudonym ingestion gave them: the same HMAC, so a national id links across institutions and an MRN only
// within the institution that issued it.
import { pseudonymise, type PseudonymKey } from '@medshare/crypto';
import { AccessControlError, AccessControlErrorCode } from './access-control-error';

export interface PatientIdentifierToken {
  system: string;
  value: string;
}

const MAX_TOKEN_LENGTH = 512;

/** `system|value`; the system must be an absolute URI, as ingestion requires of identifiers. */
export function parsePatientToken(text: string, where: string): PatientIdentifierToken {
  const bar = text.indexOf('|');
  const system = bar < 0 ? '' : text.slice(0, bar);
  const value = bar < 0 ? '' : text.slice(bar + 1);
  if (text.length > MAX_TOKEN_LENGTH || system === '' || value.trim() === '' || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(system)) {
    throw new AccessControlError(AccessControlErrorCode.InvalidInput, [
      { text: 'a patient is named by a FHIR token system|value of one of their identifiers (system an absolute URI)', expression: where },
    ]);
  }
  return { system, value };
}

/** The pseudonym of `token` as `institution` knows the patient (institution-local systems are scoped to it). */
export function pseudonymOf(key: PseudonymKey, token: PatientIdentifierToken, institution: string): string {
  return pseudonymise(key, token.system, token.value, institution);
}
