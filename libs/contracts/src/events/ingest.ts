// Events of the ingestion service: sealed records in, rejections with reasons (never content).
import { z } from 'zod';
import { base64, institutionId, patientPseudonym, recordId, resourceType } from './common';

/** An HPKE (RFC 9180) box sealed to the encryption service's public key `keyId`. */
export const sealedBox = z.strictObject({
  suite: z.literal('X25519-HKDF-SHA256/AES-256-GCM'),
  keyId: z.string().min(1).max(64),
  enc: base64,
  ciphertext: base64,
});

/** One request's records of one patient, sealed together (one HPKE encapsulation per box, ~1 ms each: libs/crypto README). */
export const ingestSealedV1 = z.strictObject({
  institution: institutionId,
  patient: patientPseudonym,
  requestId: z.string().min(1).max(64),
  records: z.array(z.strictObject({ recordId, resourceType })).min(1).max(10_000),
  sealed: sealedBox,
});

/** Where and why input was refused: FHIR issue codes and element paths only, no values. */
export const ingestRejectedV1 = z.strictObject({
  institution: institutionId,
  requestId: z.string().min(1).max(64),
  status: z.number().int().min(400).max(599),
  reasons: z
    .array(
      z.strictObject({
        entry: z.number().int().min(0).optional(),
        code: z.string().min(1).max(64),
        expression: z.array(z.string().max(200)).max(20).optional(),
      }),
    )
    .min(1)
    .max(1000),
  /**
   * Never written: ids a client chose may carry patient data (issue 9), so rejections name entries by index only.
   * Kept, deprecated, because a published version is frozen: stored v1 events stay valid.
   */
  resourceIds: z
    .array(z.string().max(64))
    .max(10_000)
    .optional()
    .meta({ deprecated: true, description: 'never written (client-chosen ids may carry patient data); kept so stored v1 events stay valid' }),
});
