// Streams a permitted file out of the object store, decrypting chunk by chunk: only the chunks a byte range
// touches are fetched, and memory holds one chunk whatever the file's size.
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { chunkObjectKey, fileManifestSchema, manifestObjectKey, type FileManifest } from '@medshare/contracts';
import { FileCipher } from '@medshare/crypto';
import { ObjectStore, SERVICE_CONFIG } from '@medshare/service-kit';
import type { AccessControlConfig } from '../config';
import type { ByteRange } from './byte-range';
import type { ByteSource } from './file-response';

@Injectable()
export class AttachmentReader implements OnModuleDestroy {
  private readonly store: ObjectStore;

  constructor(@Inject(SERVICE_CONFIG) config: AccessControlConfig) {
    this.store = new ObjectStore(config);
  }

  onModuleDestroy(): void {
    this.store.destroy();
  }

  async manifest(cipher: FileCipher): Promise<FileManifest> {
    const stored = await this.store.get(manifestObjectKey(cipher.fileId));
    if (stored === undefined) throw new Error(`file ${cipher.fileId} has no manifest in the object store`);
    return fileManifestSchema.parse(cipher.openManifest(stored));
  }

  /** The file as a source of byte ranges (file-response.ts). */
  source(cipher: FileCipher, manifest: FileManifest): ByteSource {
    return { size: manifest.size, contentType: manifest.contentType, bytes: (range) => this.bytes(cipher, manifest, range) };
  }

  /** The plaintext bytes start..end (inclusive), one decrypted chunk at a time. */
  async *bytes(cipher: FileCipher, manifest: FileManifest, range: ByteRange): AsyncGenerator<Buffer> {
    const first = Math.floor(range.start / manifest.chunkBytes);
    const last = Math.floor(range.end / manifest.chunkBytes);
    for (let index = first; index <= last; index += 1) {
      const stored = await this.store.get(chunkObjectKey(cipher.fileId, manifest.chunks[index]));
      if (stored === undefined) throw new Error(`chunk ${index} of file ${cipher.fileId} is missing from the object store`);
      const chunk = cipher.decryptChunk(index, stored);
      const offset = index * manifest.chunkBytes;
      yield chunk.subarray(Math.max(0, range.start - offset), Math.min(chunk.byteLength, range.end - offset + 1));
    }
  }
}
