// Identity resolution over pseudonyms: every identifier of a patient links to one canonical pseudonym, so records
// sent with an MRN only, a national id only or a bare Patient/<id> still land under the same patient (and one
// shred erases them all). Pure: the links come from and go to the ingestion database.
import { IngestionError, IngestionErrorCode, UNKNOWN_PATIENT, issue } from './ingestion-error';
import type { IntakeEntry } from './intake-plan';

/** identifier pseudonym -> canonical patient pseudonym */
export type PatientLinks = ReadonlyMap<string, string>;

export type Resolution = { ok: true; patients: string[]; newLinks: Map<string, string> } | { ok: false; error: IngestionError };

/**
 * The canonical patient of an entry is the link of its best linked candidate; a patient seen for the first time is
 * named by its best identifier. A bare resource id never founds a patient: it must have been linked before, by an
 * earlier request or by any entry of this one. A bundle is order-free (FHIR transactions are): an entry that names
 * its patient only by `Patient/<id>` may come before the Patient entry that links that id, so entries that cannot
 * resolve yet are retried until a pass links nothing new.
 */
export function resolvePatients(entries: readonly IntakeEntry[], links: PatientLinks): Resolution {
  const known = new Map(links);
  const newLinks = new Map<string, string>();
  // Records about no patient are the institution's: filed under its key owner, never linked to anyone.
  const patients: string[] = entries.map((entry) => entry.institutionScoped ?? '');
  let pending = entries.flatMap((entry, index) => (entry.institutionScoped === undefined ? [index] : []));
  for (;;) {
    const waiting = pending.filter((index) => {
      const patient = resolveEntry(entries[index], known, newLinks);
      if (patient !== undefined) patients[index] = patient;
      return patient === undefined;
    });
    if (waiting.length === 0) return { ok: true, patients, newLinks };
    if (waiting.length === pending.length) {
      const unresolved = waiting.map((index) => {
        const entry = entries[index];
        const path = entry.entry === undefined ? entry.resource.resourceType : `Bundle.entry[${entry.entry}].resource`;
        return issue('not-found', UNKNOWN_PATIENT, path);
      });
      return { ok: false, error: new IngestionError(IngestionErrorCode.InvalidResource, unresolved) };
    }
    pending = waiting;
  }
}

/** The entry's patient, linking every candidate of it not linked yet; undefined while it cannot be named. */
function resolveEntry(entry: IntakeEntry, known: Map<string, string>, newLinks: Map<string, string>): string | undefined {
  const linked = entry.candidates.find((candidate) => known.has(candidate.pseudonym));
  const founding = entry.candidates[0];
  const patient = linked !== undefined ? known.get(linked.pseudonym) : founding.kind === 'resource-id' ? undefined : founding.pseudonym;
  if (patient === undefined) return undefined;
  for (const candidate of entry.candidates) {
    if (!known.has(candidate.pseudonym)) {
      known.set(candidate.pseudonym, patient);
      newLinks.set(candidate.pseudonym, patient);
    }
  }
  return patient;
}
