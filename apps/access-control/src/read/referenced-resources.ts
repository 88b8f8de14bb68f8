// Which reference resources (Organization, Practitioner, Location...) a read's released records point to, and
// which decrypted institution records answer them: a read returns what its records name, one hop, nothing more.
import { currentVersions, securityLabelsOf, type FhirResource } from '@medshare/fhir';

/** `Type/id` (or an absolute URL ending so), optionally with a version: the shapes a stored record's literal references take. */
const LITERAL = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

export interface ReferencedRecord {
  recordId: string;
  resourceType: string;
  institution: string;
  resource: FhirResource;
}

/** Per holder, the `Type/id` literals its released records name (Patient excluded: the read is already about them). */
export function referencesByHolder(records: readonly { institution: string; resource: FhirResource }[]): Map<string, Set<string>> {
  const byHolder = new Map<string, Set<string>>();
  for (const { institution, resource } of records) {
    const named = byHolder.get(institution) ?? new Set<string>();
    collectReferences(resource, named);
    if (named.size > 0) byHolder.set(institution, named);
  }
  return byHolder;
}

/** Types among the references: what the permit for the holder's institution records asks for. */
export function referencedTypes(references: ReadonlySet<string>): string[] {
  return [...new Set([...references].map((reference) => reference.slice(0, reference.indexOf('/'))))].sort();
}

/**
 * The decrypted institution records the holder's released records name, current version of each (a deleted one is
 * gone). A reference resource carrying a security label is kept back: no consent names it, so no rule releases it.
 */
export function pickReferenced(holder: string, references: ReadonlySet<string>, decrypted: readonly ReferencedRecord[]): ReferencedRecord[] {
  return currentVersions(
    decrypted.filter((record) => record.institution === holder && references.has(`${record.resourceType}/${String(record.resource.id)}`)),
  ).filter((record) => securityLabelsOf(record.resource).length === 0);
}

function collectReferences(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, into);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [name, child] of Object.entries(value)) {
    if (name === 'reference' && typeof child === 'string') {
      const match = LITERAL.exec(child);
      if (match !== null && match[1] !== 'Patient') into.add(`${match[1]}/${match[2]}`);
    } else if (name !== 'contained') {
      collectReferences(child, into);
    }
  }
}
