// How a stored version says what it is: meta.versionId (set by medshare) and the tag of a deletion's tombstone.
import type { FhirResource } from './fhir-types';

/** The tag a deletion's tombstone carries: the resource is gone (410), its history keeps it. */
export const DELETED_TAG = { system: 'https://fhir.medshare.example/CodeSystem/version-state', code: 'deleted' } as const;

export function versionOf(resource: FhirResource): number {
  const version = Number((resource.meta as { versionId?: unknown } | undefined)?.versionId);
  return Number.isFinite(version) ? version : 0;
}

export function isDeletion(resource: FhirResource): boolean {
  const tags = (resource.meta as { tag?: { system?: string; code?: string }[] } | undefined)?.tag ?? [];
  return tags.some((tag) => tag.system === DELETED_TAG.system && tag.code === DELETED_TAG.code);
}

/**
 * The current version of each logical resource (`Type/id`) among stored versions, deletions left out: what a read
 * shows. Records without an id are each their own resource; records sent through the /v1/fhir alias carry no version,
 * so of several with one id the last given (records come in record-id order: the newest) stands.
 */
export function currentVersions<T extends { resource: FhirResource; institution?: string }>(records: readonly T[]): T[] {
  const newest = new Map<string, T>();
  records.forEach((record, index) => {
    // Ids are per institution: two institutions' records never collapse into one.
    const key = record.resource.id === undefined ? `#${index}` : `${record.institution ?? ''}|${record.resource.resourceType}/${String(record.resource.id)}`;
    const known = newest.get(key);
    if (known === undefined || versionOf(record.resource) >= versionOf(known.resource)) newest.set(key, record);
  });
  return [...newest.values()].filter((record) => !isDeletion(record.resource));
}
