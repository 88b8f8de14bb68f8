// Encrypted records at rest and disclosures of records to requesters.
import { z } from 'zod';
import { base64, instant, institutionId, patientPseudonym, purposeOfUse, recordId, requester, resourceType, sha256Hex } from './common';

/** AES-256-GCM ciphertext under the patient's DEK; the AAD binds recordId, patient, institution, dekId. */
export const recordsEncryptedV1 = z.strictObject({
  recordId,
  institution: institutionId,
  patient: patientPseudonym,
  resourceType,
  eventTime: instant,
  contentHash: sha256Hex,
  dekId: z.string().min(1).max(64),
  iv: base64,
  ciphertext: base64,
  tag: base64,
});

/** What left the platform, to whom and why: ids only. */
export const recordsDisclosedV1 = z.strictObject({
  decisionId: z.string().min(1).max(64),
  requester,
  patient: patientPseudonym,
  purpose: purposeOfUse,
  breakGlass: z.boolean(),
  deIdentified: z.boolean(),
  records: z.array(z.strictObject({ recordId, resourceType, institution: institutionId })).max(100_000),
});
