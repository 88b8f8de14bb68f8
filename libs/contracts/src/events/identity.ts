// Events of patient identity: which identifier pseudonym stands for which patient pseudonym (never identifiers).
import { z } from 'zod';
import { institutionId, patientPseudonym } from './common';

/**
 * Links ingestion created while taking `institution`'s records: each identifier pseudonym (an MRN, a national id,
 * a resource id) names the patient pseudonym the records carry. A link never changes once made.
 */
export const identityLinkedV1 = z.strictObject({
  institution: institutionId,
  links: z
    .array(z.strictObject({ identifier: patientPseudonym, patient: patientPseudonym }))
    .min(1)
    .max(10_000),
});

/**
 * A keyed token: `tk-` + base32 of HMAC-SHA256 under the platform pseudonym key of a normalised family name or
 * address (docs/keyed-tokens.md). Equal inputs give equal tokens; without the key nobody can test a guess.
 */
const keyedToken = z.string().regex(/^tk-[a-z2-7]{32}$/, 'a keyed token tk-<base32>');
const tokens = z.array(keyedToken).max(20);
/** The practitioner's platform name (access control's keyed pseudonym of the institution's practitioner id). */
const practitionerName = z.string().regex(/^pr-[a-z2-7]{16,64}$/, 'practitioner must be a pseudonym pr-<base32>');

/** What ingestion derived from a Patient resource it accepted: keyed tokens and the privacy labels, never a name. */
export const patientTokensV1 = z.strictObject({
  institution: institutionId,
  patient: patientPseudonym,
  familyName: tokens,
  address: tokens,
  /** FHIR v3-ActCode security labels of the Patient (`CELEB`, `EMP`, `VIP`, `TABOO`…): codes only. */
  securityLabels: z.array(z.string().regex(/^[A-Z]{2,16}$/)).max(20),
});

/** A roster entry from a Practitioner resource: the same tokens, and the practitioner's own patient pseudonym if any. */
export const practitionerTokensV1 = z.strictObject({
  institution: institutionId,
  practitioner: practitionerName,
  familyName: tokens,
  address: tokens,
  patient: patientPseudonym.optional(),
});
