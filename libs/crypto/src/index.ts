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
export { pseudonymise, type PseudonymKey } from './pseudonym';
