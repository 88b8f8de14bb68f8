// Where a record points at bytes that live in the attachment store (ingestion moves large inline data there):
// an Attachment keeps `url` = `urn:medshare:file:<fileId>`, a Binary a `meta.tag` of this system naming the file.
import type { FhirResource } from './fhir-types';

export const STORED_FILE_URL_PREFIX = 'urn:medshare:file:';
export const STORED_FILE_TAG_SYSTEM = 'https://medshare.example/fhir/CodeSystem/stored-file';

/** The stored file a Binary's bytes went to, if they did. */
export function storedFileOf(binary: FhirResource): string | undefined {
  const tags = (binary.meta as { tag?: { system?: unknown; code?: unknown }[] } | undefined)?.tag ?? [];
  const code = tags.find((tag) => tag.system === STORED_FILE_TAG_SYSTEM)?.code;
  return typeof code === 'string' ? code : undefined;
}
