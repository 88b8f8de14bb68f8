// Turns a submitted FHIR Consent into the one medshare records: its patient, named by identifier, is replaced by
// the pseudonym, so no identifier travels on Kafka or rests in the database.
import { AccessControlError, AccessControlErrorCode } from './access-control-error';
import { pseudonymOf, type PatientIdentifierToken } from './patient-token';
import type { PseudonymKey } from '@medshare/crypto';

const PSEUDONYM_REFERENCE = /^Patient\/p-[a-z2-7]{16,64}$/;

/**
 * Consent.patient is either a logical reference `{ identifier: { system, value } }` (an identifier of the
 * submitting institution, or a shared one such as the national id), or a literal reference to a pseudonym
 * `Patient/p-…` that medshare handed out. Anything else is a 400: a local `Patient/123` means nothing here.
 * `patientOf` turns an identifier's pseudonym into the patient ingestion linked it to (identity.linked).
 */
export function withPseudonymousPatient(
  body: unknown,
  submitter: string,
  key: PseudonymKey,
  patientOf: (identifier: string) => string,
): { consent: Record<string, unknown>; patient: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AccessControlError(AccessControlErrorCode.InvalidInput, [{ text: 'the body must be a FHIR Consent resource', expression: 'Consent' }]);
  }
  const consent = body as Record<string, unknown>;
  const patient = consent['patient'];
  const literal = referenceOf(patient);
  if (literal !== undefined && PSEUDONYM_REFERENCE.test(literal)) {
    return { consent, patient: literal.slice('Patient/'.length) };
  }
  const identifier = identifierOf(patient);
  if (identifier === undefined) {
    throw new AccessControlError(AccessControlErrorCode.InvalidInput, [
      {
        text: "Consent.patient must be { identifier: { system, value } } (and nothing else) or a reference 'Patient/p-…' to a medshare pseudonym",
        expression: 'Consent.patient',
      },
    ]);
  }
  const pseudonym = patientOf(pseudonymOf(key, identifier, submitter));
  return { consent: { ...consent, patient: { reference: `Patient/${pseudonym}` } }, patient: pseudonym };
}

function referenceOf(patient: unknown): string | undefined {
  if (!isPlainObject(patient) || Object.keys(patient).length !== 1) return undefined;
  const reference = patient['reference'];
  return typeof reference === 'string' ? reference : undefined;
}

function identifierOf(patient: unknown): PatientIdentifierToken | undefined {
  if (!isPlainObject(patient) || Object.keys(patient).length !== 1 || !isPlainObject(patient['identifier'])) return undefined;
  const identifier = patient['identifier'];
  const { system, value } = identifier;
  if (Object.keys(identifier).length !== 2 || typeof system !== 'string' || typeof value !== 'string') return undefined;
  if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(system) || value.trim() === '' || value.length > 256) return undefined;
  return { system, value };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
