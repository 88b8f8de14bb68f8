// The one exception type of @medshare/crypto: a code the caller can switch on, never key material or plaintext in the message.

export const CryptoErrorCode = {
  /** Input of the wrong shape or length (key, IV, tag, base64, empty identifier). */
  InvalidInput: 'invalid-input',
  /** A sealed box names a key id the keyring does not hold. */
  UnknownSealingKey: 'unknown-sealing-key',
  /** A keyring entry whose private key does not belong to its key id. */
  SealingKeyMismatch: 'sealing-key-mismatch',
  /** HPKE open failed: wrong key, wrong AAD or tampered box. */
  SealedBoxRejected: 'sealed-box-rejected',
  /** AES-GCM authentication of a record failed: wrong DEK, wrong AAD or tampered bytes. */
  RecordRejected: 'record-rejected',
  /** A wrapped DEK failed to authenticate under its KEK and context. */
  DekRejected: 'dek-rejected',
  /** The keyring has no KEK of that version. */
  UnknownKekVersion: 'unknown-kek-version',
  /** The KEK of that version is retired: it no longer unwraps. */
  KekRetired: 'kek-retired',
  /** A KEK cannot be retired while it is the current one. */
  KekIsCurrent: 'kek-is-current',
  /** The keyring state does not open under this master secret (wrong secret or edited state). */
  KeyringRejected: 'keyring-rejected',
} as const;
export type CryptoErrorCode = (typeof CryptoErrorCode)[keyof typeof CryptoErrorCode];

export class CryptoError extends Error {
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CryptoError';
  }
}
