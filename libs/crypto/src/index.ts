// Public API of @medshare/crypto: the pure cryptographic core (no Kafka, database or HTTP).
export { CryptoError, CryptoErrorCode } from './crypto-error';
export {
  SEALED_BOX_SUITE,
  generateSealingKeyPair,
  openRecordGroup,
  openSealedBox,
  sealForEncryptionService,
  sealRecordGroup,
  sealingKeyId,
  type SealedBox,
  type SealingKeyPair,
  type SealingPrivateKeys,
} from './sealed-box';
export { generateDek, encryptRecord, decryptRecord, recordAadBytes, type EncryptedRecord, type RecordAad } from './record-cipher';
export type { DekContext, KekStatus, KeyProvider, WrappedDek } from './key-provider';
export { LocalKeyring, type KekRecord, type LocalKeyringOptions, type LocalKeyringState } from './local-keyring';
export { institutionKeyOwner, pseudonymise, type PseudonymKey } from './pseudonym';
export { TOKEN_DOMAINS, keyedToken, normaliseTokenInput, practitionerPseudonym, type TokenDomain } from './keyed-token';
export { DevKeyring, generateSigningKeyPair, staticInstitutionKeyring, type InstitutionKeyring, type SigningKeyPair } from './signing-keys';
export { PERMIT_TOKEN_TYPE, signPermit, verifyPermit, type Permit, type PermitRejection, type PermitVerification } from './permit';
export {
  INSTITUTION_TOKEN_AUDIENCE,
  INSTITUTION_TOKEN_TYPE,
  MAX_INSTITUTION_TOKEN_TTL_SECONDS,
  issueInstitutionToken,
  verifyInstitutionToken,
  type InstitutionIdentity,
  type InstitutionTokenRequest,
  type TokenRejection,
  type TokenVerification,
} from './institution-token';
export { contentHash } from './content-hash';
export { gcmDecrypt, gcmEncrypt, type GcmParts } from './aes-gcm';
export { FileCipher, generateFileKey, unwrapFileKey, wrapFileKey, type FileKeyContext } from './file-cipher';
