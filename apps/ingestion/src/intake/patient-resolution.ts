// Identity resolution over pseudonyms: every identifier of a patient links to one canonical pseudonym, so records
// sent with an MRN only, a national id only or a bare Patient/<id> still land under the same patient (and one
// shred erases them all). Pure: the links come from and go to the ingestion database.
import { IngestionError, IngestionErrorCode, issue } from './ingestion-error';
import type { IntakeEntry } from './intake-plan';

/** identifier pseudonym -> canonical patient pseudonym */
export type PatientLinks = ReadonlyMap<string, string>;

export type Resolution =
  | { ok: true; patients: string[]; newLinks: Map<string, string> }
  | { ok: false; error: IngestionError };

/**
 * The canonical patient of an entry is the link of its best linked candidate; a patient seen for the first time is
 * named by its best identifier. A bare resource id never founds a patient: it must have been linked before.
 */
export function resolvePatients(entries: readonly IntakeEntry[], links: PatientLinks): Resolution {
  const known = new Map(links);
  const newLinks = new Map<string, string>();
  const unresolved: IngestionError['issues'][number][] = [];
  const patients = entries.map((entry) => {
    const linked = entry.candidates.find((candidate) => known.has(candidate.pseudonym));
    const founding = entry.candidates[0];
    const patient = linked !== undefined ? known.get(linked.pseudonym) : founding.kind === 'resource-id' ? undefined : founding.pseudonym;
    if (patient === undefined) {
      const path = entry.entry === undefined ? entry.resource.resourceType : `Bundle.entry[${entry.entry}].resource`;
      unresolved.push(issue('not-found', 'Unknown patient: a bare Patient reference needs the Patient (with its identifiers) sent first', path));
      return '';
    }
    for (const candidate of entry.candidates) {
      if (!known.has(candidate.pseudonym)) {
        known.set(candidate.pseudonym, patient);
        newLinks.set(candidate.pseudonym, patient);
      }
    }
    return patient;
  });
  if (unresolved.length > 0) return { ok: false, error: new IngestionError(IngestionErrorCode.InvalidResource, unresolved) };
  return { ok: true, patients, newLinks };
}
