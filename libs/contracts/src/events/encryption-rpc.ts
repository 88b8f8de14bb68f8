// Request/reply between access control and the encryption service for permitted reads.
// Agreed protocol: the encryption service verifies `permit` (libs/crypto verifyPermit with the permit public
// key) and answers 'refused' for a missing, forged, malformed or expired one. Otherwise it decrypts every
// record of permit.patient whose resourceType is in permit.resourceTypes (all holders: access control filters
// per record after decryption) and seals the JSON array of those FHIR resources, in the order of `records`,
// with sealForEncryptionService(replyKey, sealingKeyId(replyKey bytes), bytes, decryptReplyAad(request.id)) (so a
// reply cannot be replayed onto another request). A shredded patient: 'erased'.
import { z } from 'zod';
import { base64, institutionId, patientPseudonym, recordId, resourceType } from './common';
import { sealedBox } from './ingest';

export const decryptRequestedV1 = z.strictObject({
  /** Compact JWS signed by access control (libs/crypto signPermit). */
  permit: z.string().min(1).max(8000),
  /** X25519 public key (raw, base64) of the asking instance: the reply is sealed to it, never plaintext on Kafka. */
  replyKey: base64,
  /**
   * A review of a break-glass reason instead of records: the encryption service opens `sealed` (AAD
   * breakGlassReasonAad(decisionId, permit.patient)) only when the permit `reveals` that decisionId, and replies 'ok'
   * with the reason as a one-element JSON array sealed to replyKey and no records.
   */
  reveal: z.strictObject({ decisionId: z.string().min(1).max(64), sealed: sealedBox }).optional(),
});

export const decryptRepliedV1 = z.discriminatedUnion('outcome', [
  z.strictObject({
    outcome: z.literal('ok'),
    /** The decrypted FHIR resources (a JSON array, in `records` order), sealed to the request's replyKey with AAD decryptReplyAad(request.id). */
    sealed: sealedBox,
    records: z.array(z.strictObject({ recordId, resourceType, institution: institutionId })),
  }),
  z.strictObject({ outcome: z.literal('erased'), patient: patientPseudonym }),
  z.strictObject({ outcome: z.literal('refused'), reason: z.string().max(500) }),
]);
