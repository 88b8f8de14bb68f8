// How an attachment lies in the object store: the contract between ingestion (which writes it) and access control
// (which reads it). Object keys hold platform ids and keyed-hash addresses only; the manifest is encrypted.
import { z } from 'zod';

/** Decrypted content of `files/<fileId>/manifest`: the chunk addresses in order. */
export const fileManifestSchema = z.strictObject({
  fileId: z.string().min(1),
  size: z.number().int().min(0),
  chunkBytes: z.number().int().min(1),
  contentType: z.string().min(1).max(200),
  chunks: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
});

export type FileManifest = z.infer<typeof fileManifestSchema>;

export function chunkObjectKey(fileId: string, address: string): string {
  return `files/${fileId}/${address}`;
}

export function manifestObjectKey(fileId: string): string {
  return `files/${fileId}/manifest`;
}

export function chunkCount(file: { size: number; chunkBytes: number }): number {
  return Math.ceil(file.size / file.chunkBytes);
}

/** Plaintext bytes of chunk `index`: chunkBytes, except the last one. */
export function chunkLength(file: { size: number; chunkBytes: number }, index: number): number {
  return Math.min(file.chunkBytes, file.size - index * file.chunkBytes);
}
