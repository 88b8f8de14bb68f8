// Large files (attachments) encrypted chunk by chunk under a per-file key that the patient's DEK wraps: each chunk
// is AES-256-GCM with the file id and its index in the AAD (a chunk moved to another file or position fails), and
// is stored at a keyed-hash address, so equal plaintexts give unrelated addresses in every other file.
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import { AES_KEY_BYTES, gcmDecrypt, gcmEncrypt, joinGcmParts, splitGcmParts } from './aes-gcm';
import { CryptoError, CryptoErrorCode } from './crypto-error';

/** What a wrapped file key is bound to: its file, its patient and the DEK version that wraps it. */
export interface FileKeyContext {
  fileId: string;
  /** Patient pseudonym. */
  patient: string;
  dekVersion: number;
}

const FILE_KEY_LABEL = 'medshare.file-key.v1';
const CHUNK_LABEL = 'medshare.file-chunk.v1';
const MANIFEST_LABEL = 'medshare.file-manifest.v1';
const ADDRESS_INFO = 'medshare.file-address.v1';

export function generateFileKey(): Buffer {
  return randomBytes(AES_KEY_BYTES);
}

function aad(fields: Record<string, string | number>): Buffer {
  for (const [name, value] of Object.entries(fields)) {
    if (value === '' || (typeof value === 'number' && !Number.isSafeInteger(value)))
      throw new CryptoError(CryptoErrorCode.InvalidInput, `file AAD ${name} is empty or not an integer`);
  }
  return Buffer.from(canonicalize(fields) ?? '', 'utf8');
}

/** iv ‖ ciphertext ‖ tag of the file key under the patient's DEK. */
export function wrapFileKey(dek: Uint8Array, fileKey: Uint8Array, context: FileKeyContext): Buffer {
  return joinGcmParts(gcmEncrypt(dek, fileKey, aad({ label: FILE_KEY_LABEL, ...context })));
}

export function unwrapFileKey(dek: Uint8Array, wrapped: Buffer, context: FileKeyContext): Buffer {
  const parts = splitGcmParts(wrapped);
  const fileKey = parts && gcmDecrypt(dek, parts, aad({ label: FILE_KEY_LABEL, ...context }));
  if (fileKey === undefined) throw new CryptoError(CryptoErrorCode.DekRejected, `the key of file ${context.fileId} did not authenticate`);
  return fileKey;
}

/** Encrypts, decrypts and addresses the chunks of one file; holds the file key, never the DEK. */
export class FileCipher {
  private readonly fileKey: Buffer;
  private readonly addressKey: Buffer;

  /** Keeps a copy of `fileKey`: the caller may wipe its own. */
  constructor(
    fileKey: Buffer,
    readonly fileId: string,
  ) {
    if (fileKey.byteLength !== AES_KEY_BYTES) throw new CryptoError(CryptoErrorCode.InvalidInput, 'a file key is 32 bytes');
    this.fileKey = Buffer.from(fileKey);
    this.addressKey = Buffer.from(hkdfSync('sha256', fileKey, Buffer.from(fileId, 'utf8'), ADDRESS_INFO, 32));
  }

  /** iv ‖ ciphertext ‖ tag: the stored form of chunk `index`. */
  encryptChunk(index: number, plaintext: Uint8Array): Buffer {
    return joinGcmParts(gcmEncrypt(this.fileKey, plaintext, aad({ label: CHUNK_LABEL, fileId: this.fileId, index })));
  }

  decryptChunk(index: number, stored: Buffer): Buffer {
    const parts = splitGcmParts(stored);
    const plaintext = parts && gcmDecrypt(this.fileKey, parts, aad({ label: CHUNK_LABEL, fileId: this.fileId, index }));
    if (plaintext === undefined) throw new CryptoError(CryptoErrorCode.RecordRejected, `chunk ${index} of file ${this.fileId} did not authenticate`);
    return plaintext;
  }

  /** Keyed hash of the chunk's position and plaintext: the same bytes in another file (or place) get another address. */
  chunkAddress(index: number, plaintext: Uint8Array): string {
    return createHmac('sha256', this.addressKey).update(`chunk:${index}:`).update(plaintext).digest('hex');
  }

  /** Keyed hash of the whole file (its size and every chunk address in order): what the ledger records. */
  fileHash(size: number, addresses: readonly string[]): string {
    const mac = createHmac('sha256', this.addressKey).update(`file:${size}:${addresses.length}:`);
    for (const address of addresses) mac.update(address);
    return mac.digest('hex');
  }

  sealManifest(manifest: unknown): Buffer {
    return joinGcmParts(gcmEncrypt(this.fileKey, Buffer.from(JSON.stringify(manifest), 'utf8'), aad({ label: MANIFEST_LABEL, fileId: this.fileId })));
  }

  openManifest(stored: Buffer): unknown {
    const parts = splitGcmParts(stored);
    const plaintext = parts && gcmDecrypt(this.fileKey, parts, aad({ label: MANIFEST_LABEL, fileId: this.fileId }));
    if (plaintext === undefined) throw new CryptoError(CryptoErrorCode.RecordRejected, `the manifest of file ${this.fileId} did not authenticate`);
    return JSON.parse(plaintext.toString('utf8'));
  }
}
