// Given a file key, chunks and manifests open only in their own file and place, and addresses never reveal that
// two files (or two places) hold the same bytes.
import { randomBytes } from 'node:crypto';
import { CryptoError } from './crypto-error';
import { FileCipher, generateFileKey, unwrapFileKey, wrapFileKey } from './file-cipher';

const fileId = 'f-019aa1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
const otherFile = 'f-019aa1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2c';
const chunk = Buffer.from('the same synthetic bytes in every chunk');

describe('FileCipher', () => {
  const key = generateFileKey();
  const cipher = new FileCipher(key, fileId);

  it('round-trips a chunk at its index', () => {
    expect(cipher.decryptChunk(3, cipher.encryptChunk(3, chunk))).toEqual(chunk);
  });

  it.each([
    ['another index', () => cipher.decryptChunk(4, cipher.encryptChunk(3, chunk))],
    ['another file with the same key', () => new FileCipher(key, otherFile).decryptChunk(3, cipher.encryptChunk(3, chunk))],
    ['another key', () => new FileCipher(generateFileKey(), fileId).decryptChunk(3, cipher.encryptChunk(3, chunk))],
    [
      'a flipped byte',
      () => {
        const stored = cipher.encryptChunk(3, chunk);
        stored[20] ^= 1;
        return cipher.decryptChunk(3, stored);
      },
    ],
  ])('refuses a chunk moved to %s', (_, open) => {
    expect(open).toThrow(CryptoError);
  });

  it('addresses equal plaintext differently per index and per file, and equally for the same place', () => {
    const addresses = [cipher.chunkAddress(0, chunk), cipher.chunkAddress(1, chunk), new FileCipher(generateFileKey(), otherFile).chunkAddress(0, chunk)];
    expect(new Set(addresses).size).toBe(3);
    expect(cipher.chunkAddress(0, chunk)).toBe(addresses[0]);
    expect(addresses[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives equal files under different keys different file hashes', () => {
    const addresses = [cipher.chunkAddress(0, chunk)];
    const other = new FileCipher(generateFileKey(), fileId);
    expect(cipher.fileHash(chunk.byteLength, addresses)).not.toBe(other.fileHash(chunk.byteLength, [other.chunkAddress(0, chunk)]));
    expect(cipher.fileHash(chunk.byteLength, addresses)).not.toBe(cipher.fileHash(chunk.byteLength + 1, addresses));
  });

  it('keeps working after the caller wiped its copy of the key', () => {
    const own = generateFileKey();
    const kept = new FileCipher(own, fileId);
    const stored = new FileCipher(Buffer.from(own), fileId).encryptChunk(0, chunk);
    own.fill(0);
    expect(kept.decryptChunk(0, stored)).toEqual(chunk);
  });

  it('seals the manifest to its file', () => {
    const manifest = { fileId, chunks: ['a'] };
    expect(cipher.openManifest(cipher.sealManifest(manifest))).toEqual(manifest);
    expect(() => new FileCipher(key, otherFile).openManifest(cipher.sealManifest(manifest))).toThrow(CryptoError);
  });
});

describe('file key wrapping', () => {
  const dek = randomBytes(32);
  const context = { fileId, patient: 'p-abcdefghijklmnopqrstuvwxyz234567', dekVersion: 1 };

  it('unwraps under the same DEK and context only', () => {
    const fileKey = generateFileKey();
    const wrapped = wrapFileKey(dek, fileKey, context);
    expect(unwrapFileKey(dek, wrapped, context)).toEqual(fileKey);
    expect(() => unwrapFileKey(randomBytes(32), wrapped, context)).toThrow(CryptoError);
    expect(() => unwrapFileKey(dek, wrapped, { ...context, fileId: otherFile })).toThrow(CryptoError);
    expect(() => unwrapFileKey(dek, wrapped, { ...context, dekVersion: 2 })).toThrow(CryptoError);
  });
});
