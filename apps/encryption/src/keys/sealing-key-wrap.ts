// Sealing private keys at rest: AES-256-GCM under a key derived from the master secret, bound to their key id.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export class SealingKeyWrap {
  private readonly key: Buffer;

  constructor(masterSecret: Uint8Array) {
    this.key = Buffer.from(hkdfSync('sha256', masterSecret, 'medshare.encryption.v1', 'sealing-key-wrapping', 32));
  }

  wrap(keyId: string, privateKeyB64: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(keyId));
    const ciphertext = Buffer.concat([cipher.update(Buffer.from(privateKeyB64, 'base64')), cipher.final()]);
    return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64');
  }

  /** Throws when the blob does not open under this master secret or belongs to another key id. */
  unwrap(keyId: string, wrapped: string): string {
    const blob = Buffer.from(wrapped, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, blob.subarray(0, 12)).setAAD(Buffer.from(keyId));
    decipher.setAuthTag(blob.subarray(blob.length - 16));
    return Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]).toString('base64');
  }
}
