// Large files (attachments): the key protocol between ingestion (which uploads) and the encryption service (which
// owns every key), and the audit event of a stored file. No content, no client value: platform ids, pseudonyms,
// sizes and keyed hashes only.
import { z } from 'zod';
import { base64, institutionId, patientPseudonym, sha256Hex } from './common';
import { sealedBox } from './ingest';

/** Platform file id (`f-` + UUIDv7), also the object-store prefix of its chunks. */
export const fileId = z.string().regex(/^f-[0-9a-f-]{36}$/, 'file id must be f-<uuid>');

/**
 * `open`: the key of a file being uploaded, created (random, wrapped by the patient's DEK) on first ask, released
 * again for a resume while the file is open; refused once it is stored. `close`: the upload is complete; from
 * now on only a signed permit (encryption.decrypt-requested.v1) releases the key.
 */
export const fileKeyRequestedV1 = z.strictObject({
  action: z.enum(['open', 'close']),
  fileId,
  patient: patientPseudonym,
  institution: institutionId,
  /** X25519 public key (raw, base64) of the asking instance: the key is sealed to it (AAD decryptReplyAad(request.id)). */
  replyKey: base64,
});

export const fileKeyRepliedV1 = z.discriminatedUnion('outcome', [
  /** `open`: the file key (raw, base64, as a one-element JSON array) sealed to replyKey; `close`: no key. */
  z.strictObject({ outcome: z.literal('ok'), sealed: sealedBox.optional() }),
  z.strictObject({ outcome: z.literal('erased'), patient: patientPseudonym }),
  z.strictObject({ outcome: z.literal('refused'), reason: z.string().max(500) }),
]);

/** A file is complete and stored: what the ledger keeps of it. */
export const fileStoredV1 = z.strictObject({
  fileId,
  patient: patientPseudonym,
  institution: institutionId,
  size: z.number().int().min(0),
  chunkCount: z.number().int().min(0),
  chunkBytes: z.number().int().min(1),
  /** Keyed hash (HMAC under a subkey of the file key) of the size and every chunk address: equal files never match. */
  fileHash: sha256Hex,
});
