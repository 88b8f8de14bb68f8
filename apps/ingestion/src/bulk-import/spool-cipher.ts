// The spooled NDJSON is patient data on disk: it is written and read through AES-256-CTR under a key derived from
// the deployment's secret and the job id, so a resumed job (even after kill -9) can read on from any byte offset,
// and a disk or backup that leaks holds only ciphertext. CTR is its own inverse: one transform for both ways.
import { createCipheriv, hkdfSync, type Cipher } from 'node:crypto';

const LABEL = 'medshare.import-spool.v1';
const BLOCK = 16;

export function spoolCipher(secret: Uint8Array, jobId: string, offset = 0): Cipher {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.from(jobId), LABEL, 32));
  const counter = Buffer.alloc(BLOCK);
  counter.writeBigUInt64BE(BigInt(Math.floor(offset / BLOCK)), 8);
  const cipher = createCipheriv('aes-256-ctr', key, counter);
  // Start mid-block: the key stream's first bytes of that block are spent on nothing.
  if (offset % BLOCK !== 0) cipher.update(Buffer.alloc(offset % BLOCK));
  return cipher;
}
