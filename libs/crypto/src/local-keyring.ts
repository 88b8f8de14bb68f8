// A KeyProvider whose KEKs live in a serialisable state, each KEK wrapped under a key derived from one master secret.
import { hkdfSync, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import { AES_KEY_BYTES, gcmDecrypt, gcmEncrypt, joinGcmParts, splitGcmParts } from './aes-gcm';
import { fromBase64, requireLength, toBase64 } from './bytes';
import { CryptoError, CryptoErrorCode } from './crypto-error';
import type { DekContext, KekStatus, KeyProvider, WrappedDek } from './key-provider';

export interface KekRecord {
  version: number;
  /** The KEK, AES-256-GCM under the master-derived key with its version as AAD: iv ‖ ciphertext ‖ tag, base64. */
  wrappedKek: string;
  status: KekStatus;
  /** ISO 8601 instant. */
  createdAt: string;
}

/** What the encryption service persists (for instance one PostgreSQL row per version); holds no plaintext key. */
export interface LocalKeyringState {
  versions: KekRecord[];
}

export interface LocalKeyringOptions {
  now?: () => Date;
}

const MIN_MASTER_SECRET_BYTES = 32;

/**
 * HKDF, not a password KDF: the master secret is 32+ random bytes from a secret store, not something typed.
 * The label keeps this key apart from anything else derived from the same secret.
 */
function kekWrappingKey(masterSecret: Uint8Array): Buffer {
  if (masterSecret.byteLength < MIN_MASTER_SECRET_BYTES) {
    throw new CryptoError(CryptoErrorCode.InvalidInput, `master secret must be at least ${MIN_MASTER_SECRET_BYTES} bytes`);
  }
  return Buffer.from(hkdfSync('sha256', masterSecret, 'medshare.local-keyring.v1', 'kek-wrapping', AES_KEY_BYTES));
}

function labelledAad(fields: Record<string, string | number>): Buffer {
  return Buffer.from(canonicalize(fields) ?? '', 'utf8');
}

const kekAad = (version: number) => labelledAad({ label: 'medshare.kek.v1', version });

const dekAad = (context: DekContext, kekVersion: number) => {
  if (typeof context.patient !== 'string' || context.patient.length === 0) {
    throw new CryptoError(CryptoErrorCode.InvalidInput, 'DEK context patient must be a non-empty string');
  }
  if (!Number.isSafeInteger(context.dekVersion) || context.dekVersion < 1) {
    throw new CryptoError(CryptoErrorCode.InvalidInput, 'DEK context dekVersion must be a positive integer');
  }
  return labelledAad({ label: 'medshare.dek.v1', patient: context.patient, dekVersion: context.dekVersion, kekVersion });
};

export class LocalKeyring implements KeyProvider {
  private constructor(
    private readonly wrappingKey: Buffer,
    private readonly records: KekRecord[],
    private readonly keks: Map<number, Buffer>,
    private readonly now: () => Date,
  ) {}

  /** A fresh keyring with KEK version 1. */
  static create(masterSecret: Uint8Array, options: LocalKeyringOptions = {}): LocalKeyring {
    const keyring = new LocalKeyring(kekWrappingKey(masterSecret), [], new Map(), options.now ?? (() => new Date()));
    keyring.addKek(1);
    return keyring;
  }

  /** Opens every KEK at load, so a wrong master secret or an edited state stops the start instead of a later read. */
  static load(masterSecret: Uint8Array, state: LocalKeyringState, options: LocalKeyringOptions = {}): LocalKeyring {
    const wrappingKey = kekWrappingKey(masterSecret);
    const keks = new Map<number, Buffer>();
    const seen = new Set<number>();
    for (const record of state.versions) {
      if (!Number.isSafeInteger(record.version) || record.version < 1 || seen.has(record.version)) {
        throw new CryptoError(CryptoErrorCode.KeyringRejected, `keyring state has a bad or repeated version ${record.version}`);
      }
      seen.add(record.version);
      const parts = splitGcmParts(fromBase64(record.wrappedKek, `KEK ${record.version}`));
      const kek = parts && gcmDecrypt(wrappingKey, parts, kekAad(record.version));
      if (kek === undefined || kek.byteLength !== AES_KEY_BYTES) {
        throw new CryptoError(CryptoErrorCode.KeyringRejected, `KEK ${record.version} does not open under this master secret`);
      }
      keks.set(record.version, kek);
    }
    if (!state.versions.some((record) => record.status === 'active')) {
      throw new CryptoError(CryptoErrorCode.KeyringRejected, 'keyring state has no active KEK');
    }
    const records = state.versions.map((record) => ({ ...record }));
    return new LocalKeyring(wrappingKey, records, keks, options.now ?? (() => new Date()));
  }

  /** A copy of the state to persist after create, rotate or retire. */
  state(): LocalKeyringState {
    return { versions: this.records.map((record) => ({ ...record })) };
  }

  async wrapDek(dek: Uint8Array, context: DekContext): Promise<WrappedDek> {
    requireLength(dek, AES_KEY_BYTES, 'DEK');
    const kekVersion = this.current();
    const parts = gcmEncrypt(this.usableKek(kekVersion), dek, dekAad(context, kekVersion));
    return { kekVersion, wrapped: toBase64(joinGcmParts(parts)) };
  }

  async unwrapDek(wrapped: WrappedDek, context: DekContext): Promise<Buffer> {
    const kek = this.usableKek(wrapped.kekVersion);
    const parts = splitGcmParts(fromBase64(wrapped.wrapped, 'wrapped DEK'));
    const dek = parts && gcmDecrypt(kek, parts, dekAad(context, wrapped.kekVersion));
    if (dek === undefined) {
      throw new CryptoError(CryptoErrorCode.DekRejected, `wrapped DEK did not authenticate under KEK ${wrapped.kekVersion}`);
    }
    return dek;
  }

  async rewrapDek(wrapped: WrappedDek, context: DekContext): Promise<WrappedDek> {
    const dek = await this.unwrapDek(wrapped, context);
    try {
      return wrapped.kekVersion === this.current() ? wrapped : await this.wrapDek(dek, context);
    } finally {
      dek.fill(0);
    }
  }

  async currentVersion(): Promise<number> {
    return this.current();
  }

  async rotate(): Promise<number> {
    const version = Math.max(...this.records.map((record) => record.version)) + 1;
    this.addKek(version);
    return version;
  }

  async retire(version: number): Promise<void> {
    const record = this.records.find((candidate) => candidate.version === version);
    if (record === undefined) {
      throw new CryptoError(CryptoErrorCode.UnknownKekVersion, `no KEK version ${version}`);
    }
    if (version === this.current()) {
      throw new CryptoError(CryptoErrorCode.KekIsCurrent, `KEK ${version} is current; rotate before retiring it`);
    }
    record.status = 'retired';
  }

  /** The newest active version: versions only grow, so rotation is a plain append. */
  private current(): number {
    return Math.max(...this.records.filter((record) => record.status === 'active').map((record) => record.version));
  }

  private usableKek(version: number): Buffer {
    const record = this.records.find((candidate) => candidate.version === version);
    const kek = this.keks.get(version);
    if (record === undefined || kek === undefined) {
      throw new CryptoError(CryptoErrorCode.UnknownKekVersion, `no KEK version ${version}`);
    }
    if (record.status === 'retired') {
      throw new CryptoError(CryptoErrorCode.KekRetired, `KEK ${version} is retired`);
    }
    return kek;
  }

  private addKek(version: number): void {
    const kek = randomBytes(AES_KEY_BYTES);
    const wrappedKek = toBase64(joinGcmParts(gcmEncrypt(this.wrappingKey, kek, kekAad(version))));
    this.records.push({ version, wrappedKek, status: 'active', createdAt: this.now().toISOString() });
    this.keks.set(version, kek);
  }
}
