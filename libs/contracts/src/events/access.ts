// Consents, agreements, roles and every access decision.
import { z } from 'zod';
import { institutionId, patientPseudonym, practitionerRole, purposeOfUse, requester, resourceType, sha256Hex } from './common';
import { sealedBox } from './ingest';

/**
 * The keyed pseudonym (HMAC under the platform key, scoped to the submitting institution) of an id a client chose:
 * re-submitting the same id updates the same platform id. Added compatibly to v1 (optional): events recorded before
 * it carry the client's own id as `consentId`/`agreementId` and still validate.
 */
const clientRef = z.string().regex(/^[a-z]{2}-[a-z2-7]{16,64}$/, 'a client id pseudonym <kind>-<base32>');

/**
 * A FHIR R4 Consent accepted at intake (validated strictly by libs/consent before it is published), as recorded:
 * `consentId` and `consent.id` are the platform's id (UUIDv7), no Coding.display, policy text pseudonymised.
 */
export const consentRecordedV1 = z.strictObject({
  institution: institutionId,
  patient: patientPseudonym,
  consentId: z.string().min(1).max(64),
  clientRef: clientRef.optional(),
  consent: z.record(z.string(), z.unknown()),
});

/** `agreementId` and `agreement.id` are the platform's id (UUIDv7); `clientRef` names the holder's own id. */
export const agreementRecordedV1 = z.strictObject({
  agreementId: z.string().min(1).max(64),
  clientRef: clientRef.optional(),
  agreement: z.record(z.string(), z.unknown()),
});

/** `practitioner` is the platform's name of the institution's practitioner id (a keyed pseudonym `pr-…`). */
export const roleRegisteredV1 = z.strictObject({
  institution: institutionId,
  practitioner: z.string().min(1).max(64),
  role: practitionerRole,
});

export const accessDecisionV1 = z.strictObject({
  decisionId: z.string().min(1).max(64),
  requester: requester.extend({ role: practitionerRole.optional() }),
  patient: patientPseudonym.optional(),
  purpose: z.string().max(32),
  effect: z.enum(['permit', 'deny']),
  httpStatus: z.number().int().min(200).max(599),
  reasons: z.array(z.string().max(500)).max(100),
  decidingConsent: z.string().max(64).optional(),
  decidingRule: z.string().max(200).optional(),
  breakGlass: z.boolean(),
  /** Plaintext reason: events recorded before 2026-12 only; no longer published (free text never goes to the ledger). */
  breakGlassReason: z.string().max(1000).optional(),
  /** HMAC-SHA256 (platform key) of the reason and decision: a reviewer checks what was opened against the ledger. */
  breakGlassReasonHash: sha256Hex.optional(),
  /** The reason sealed (HPKE) to the encryption service's key, AAD breakGlassReasonAad: opened only through a permitted review. */
  breakGlassReasonSealed: sealedBox.optional(),
  withheldResourceTypes: z.array(resourceType).max(200),
  requestedResourceTypes: z.array(resourceType).max(200),
  /** Types whose records the platform acknowledged before the read but could not yet read back: not in the answer. */
  pendingResourceTypes: z.array(resourceType).max(200).optional(),
  purposeOfUse: purposeOfUse.optional(),
});
