// Request/reply between access control and the encryption service for permitted reads.
import { z } from 'zod';
import { base64, institutionId, patientPseudonym, recordId, resourceType } from './common';
import { sealedBox } from './ingest';

export const decryptRequestedV1 = z.strictObject({
  /** Compact JWS signed by access control (libs/crypto signPermit). */
  permit: z.string().min(1).max(8000),
  /** X25519 public key (raw, base64) of the asking instance: the reply is sealed to it, never plaintext on Kafka. */
  replyKey: base64,
});

export const decryptRepliedV1 = z.discriminatedUnion('outcome', [
  z.strictObject({
    outcome: z.literal('ok'),
    /** The decrypted FHIR resources (a JSON array), sealed to the request's replyKey. */
    sealed: sealedBox,
    records: z.array(z.strictObject({ recordId, resourceType, institution: institutionId })),
  }),
  z.strictObject({ outcome: z.literal('erased'), patient: patientPseudonym }),
  z.strictObject({ outcome: z.literal('refused'), reason: z.string().max(500) }),
]);
