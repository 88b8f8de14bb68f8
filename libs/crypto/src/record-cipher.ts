// Envelope encryption of one record under its patient's DEK, with AAD that pins the ciphertext to its record.
import { randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import { AES_KEY_BYTES, gcmDecrypt, gcmEncrypt, type GcmParts } from './aes-gcm';
import { CryptoError, CryptoErrorCode } from './crypto-error';

/**
 * What a record ciphertext is bound to. The DEK version is bound, the KEK version is not: KEK rotation rewraps
 * DEKs and must leave record ciphertexts untouched (the KEK version is bound in the DEK wrap instead).
 */
export interface RecordAad {
  recordId: string;
  /** Patient pseudonym (see pseudonymise), never a raw identifier. */
  patient: string;
  institution: string;
  dekVersion: number;
}

export type EncryptedRecord = GcmParts;

const RECORD_AAD_LABEL = 'medshare.record.v1';

export function generateDek(): Buffer {
  return randomBytes(AES_KEY_BYTES);
}

/** RFC 8785 canonical JSON of the AAD fields plus a label, so equal fields always give equal bytes and no other use collides. */
export function recordAadBytes(aad: RecordAad): Buffer {
  for (const field of ['recordId', 'patient', 'institution'] as const) {
    if (typeof aad[field] !== 'string' || aad[field].length === 0) {
      throw new CryptoError(CryptoErrorCode.InvalidInput, `record AAD ${field} must be a non-empty string`);
    }
  }
  if (!Number.isSafeInteger(aad.dekVersion) || aad.dekVersion < 1) {
    throw new CryptoError(CryptoErrorCode.InvalidInput, 'record AAD dekVersion must be a positive integer');
  }
  const canonical = canonicalize({
    label: RECORD_AAD_LABEL,
    recordId: aad.recordId,
    patient: aad.patient,
    institution: aad.institution,
    dekVersion: aad.dekVersion,
  });
  return Buffer.from(canonical ?? '', 'utf8');
}

export function encryptRecord(input: { dek: Uint8Array; plaintext: Uint8Array; aad: RecordAad }): EncryptedRecord {
  return gcmEncrypt(input.dek, input.plaintext, recordAadBytes(input.aad));
}

export function decryptRecord(input: EncryptedRecord & { dek: Uint8Array; aad: RecordAad }): Buffer {
  const plaintext = gcmDecrypt(input.dek, input, recordAadBytes(input.aad));
  if (plaintext === undefined) {
    throw new CryptoError(CryptoErrorCode.RecordRejected, `record ${input.aad.recordId} did not authenticate`);
  }
  return plaintext;
}
