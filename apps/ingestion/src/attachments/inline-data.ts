// Large inline data inside records (Binary.data, Attachment.data of a DocumentReference, Media, DiagnosticReport
// presentedForm, …) goes to the attachment store instead of onto Kafka: each value over INLINE_DATA_MAX_BYTES is
// stored as an encrypted file of the record's patient (or institution key owner), and the record keeps a pointer
// to it — `Attachment.url` = `urn:medshare:file:<fileId>` (with `size`), or for a Binary a `meta.tag` naming the
// file. Runs once, after versions are decided (an identical re-send stores nothing) and before sealing.
import { Inject, Injectable } from '@nestjs/common';
import { STORED_FILE_TAG_SYSTEM, STORED_FILE_URL_PREFIX, type FhirResource } from '@medshare/fhir';
import { SERVICE_CONFIG } from '@medshare/service-kit';
import type { IngestionConfig } from '../config';
import { AttachmentUploads } from './attachment-uploads';

const FILE_CONTENT_TYPE = /^[a-z]+\/[a-z0-9][a-z0-9.+-]{0,99}$/;

/** An element holding base64 `data`: a Binary, or an Attachment (it has a contentType beside its data). */
interface InlineData {
  holder: Record<string, unknown>;
  binary: boolean;
}

@Injectable()
export class InlineDataMover {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    private readonly uploads: AttachmentUploads,
  ) {}

  /** Copies of `records` whose large inline data is stored as files; records without any come back as they were. */
  async moveLarge<T extends { patient: string; resource: FhirResource }>(institution: string, records: readonly T[]): Promise<T[]> {
    const moved: T[] = [];
    for (const record of records) {
      const found = inlineDataOf(record.resource).filter(({ holder }) => decodedBytes(holder['data'] as string) > this.config.INLINE_DATA_MAX_BYTES);
      if (found.length === 0) {
        moved.push(record);
        continue;
      }
      const resource = structuredClone(record.resource);
      for (const { holder, binary } of inlineDataOf(resource)) {
        const bytes = Buffer.from(holder['data'] as string, 'base64');
        if (bytes.byteLength <= this.config.INLINE_DATA_MAX_BYTES) continue;
        const declared = typeof holder['contentType'] === 'string' ? holder['contentType'].toLowerCase() : '';
        const contentType = FILE_CONTENT_TYPE.test(declared) ? declared : 'application/octet-stream';
        const fileId = await this.uploads.storeBytes(institution, record.patient, contentType, bytes);
        delete holder['data'];
        if (binary) {
          const meta = (holder['meta'] ?? {}) as { tag?: unknown[] };
          holder['meta'] = { ...meta, tag: [...(meta.tag ?? []), { system: STORED_FILE_TAG_SYSTEM, code: fileId }] };
        } else {
          holder['url'] = `${STORED_FILE_URL_PREFIX}${fileId}`;
          holder['size'] = bytes.byteLength;
        }
      }
      moved.push({ ...record, resource });
    }
    return moved;
  }
}

/** Every element of `resource` holding inline base64 data, in document order. */
export function inlineDataOf(resource: FhirResource): InlineData[] {
  const found: InlineData[] = [];
  if (resource.resourceType === 'Binary' && typeof resource['data'] === 'string') found.push({ holder: resource, binary: true });
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      const element = value as Record<string, unknown>;
      if (element !== resource && typeof element['data'] === 'string' && typeof element['contentType'] === 'string')
        found.push({ holder: element, binary: false });
      Object.values(element).forEach(walk);
    }
  };
  walk(resource);
  return found;
}

function decodedBytes(base64: string): number {
  return Math.floor((base64.replace(/[\s=]/g, '').length * 3) / 4);
}
