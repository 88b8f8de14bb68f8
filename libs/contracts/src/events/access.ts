// Consents, agreements, roles and every access decision.
import { z } from 'zod';
import { institutionId, patientPseudonym, practitionerRole, purposeOfUse, requester, resourceType } from './common';

/** A FHIR R4 Consent accepted at intake (validated strictly by libs/consent before it is published). */
export const consentRecordedV1 = z.strictObject({
  institution: institutionId,
  patient: patientPseudonym,
  consentId: z.string().min(1).max(64),
  consent: z.record(z.string(), z.unknown()),
});

export const agreementRecordedV1 = z.strictObject({
  agreementId: z.string().min(1).max(64),
  agreement: z.record(z.string(), z.unknown()),
});

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
  breakGlassReason: z.string().max(1000).optional(),
  withheldResourceTypes: z.array(resourceType).max(200),
  requestedResourceTypes: z.array(resourceType).max(200),
  purposeOfUse: purposeOfUse.optional(),
});
