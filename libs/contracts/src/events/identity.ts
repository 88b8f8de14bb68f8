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
