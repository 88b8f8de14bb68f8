// The KEK boundary: who wraps per-patient DEKs. Async throughout so Vault Transit or a cloud KMS can stand behind it.

/** What a wrapped DEK is bound to, besides its KEK version: a wrapped DEK copied to another patient fails to unwrap. */
export interface DekContext {
  /** Patient pseudonym. */
  patient: string;
  dekVersion: number;
}

export interface WrappedDek {
  kekVersion: number;
  /** Provider-specific opaque bytes, base64 (LocalKeyring: iv ‖ ciphertext ‖ tag). */
  wrapped: string;
}

export type KekStatus = 'active' | 'retired';

export interface KeyProvider {
  /** Wraps under the current KEK. */
  wrapDek(dek: Uint8Array, context: DekContext): Promise<WrappedDek>;
  /** Fails with unknown-kek-version, kek-retired or dek-rejected (wrong KEK, context or tampered bytes). */
  unwrapDek(wrapped: WrappedDek, context: DekContext): Promise<Buffer>;
  /** KEK rotation without touching records: unwrap under the old KEK, wrap under the current one. */
  rewrapDek(wrapped: WrappedDek, context: DekContext): Promise<WrappedDek>;
  currentVersion(): Promise<number>;
  /** Creates a new KEK and makes it current; returns its version. Older active KEKs still unwrap. */
  rotate(): Promise<number>;
  /** A retired KEK no longer unwraps; retire a version only after every DEK under it was rewrapped. */
  retire(version: number): Promise<void>;
}
