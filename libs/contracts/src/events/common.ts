// Field schemas shared by several event types.
import { z } from 'zod';
import { BASE64_PATTERN, isBase64Text } from './base64-text';

/** Institution ids are lower-case slugs registered in configuration (e.g. `hosp-a`). */
export const institutionId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'institution id must be a lower-case slug');
/** Pseudonymous patient id: HMAC-derived, never a real identifier (see libs/crypto). */
export const patientPseudonym = z.string().regex(/^p-[a-z2-7]{16,64}$/, 'patient must be a pseudonym p-<base32>');
export const recordId = z.string().min(1).max(64);
export const resourceType = z.string().regex(/^[A-Z][A-Za-z]{1,63}$/);
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
/** Checked by isBase64Text; the published schema keeps the pattern it answers exactly as (base64-text.ts). */
export const base64 = z.string().refine(isBase64Text, 'must be base64').meta({ pattern: BASE64_PATTERN.source });
export const instant = z.iso.datetime({ offset: true });
export const purposeOfUse = z.enum(['TREAT', 'ETREAT', 'HPAYMT', 'HOPERAT', 'HRESCH', 'PUBHLTH']);
export const practitionerRole = z.enum(['physician', 'nurse', 'admin', 'billing', 'researcher', 'public-health-officer']);

export const requester = z.strictObject({
  institution: institutionId,
  practitioner: z.string().min(1).max(64),
  role: practitionerRole.optional(),
});
