// Packs patient records into batch/transaction Bundles, and streams bundles of a chosen size for load tests.
import type { Bundle, BundleEntry, FhirResource } from '@medshare/fhir';
import { INSTITUTIONS, type Institution } from './institutions';
import { medicalRecordNumber, nationalId, patientRecord, seedTag } from './population';
import type { Seed, SyntheticPatient } from './population-model';
import { SeededRandom } from './prng';
import { drawPerson, urnOf } from './records';

export type PatientBundleType = 'transaction' | 'batch';

export interface PatientBundleOptions {
  type: PatientBundleType;
}

/**
 * The record as a Bundle: Patient first, every entry with a urn:uuid fullUrl that the other entries reference.
 * Transactions create (POST); batches upsert by id (PUT) so a replayed load does not duplicate.
 */
export function patientBundle(patient: SyntheticPatient, options: PatientBundleOptions = { type: 'transaction' }): Bundle {
  const entry: BundleEntry[] = [patient.patient, ...patient.resources].map((resource) => ({
    fullUrl: urnOf(resource),
    resource,
    request:
      options.type === 'transaction'
        ? { method: 'POST', url: resource.resourceType }
        : { method: 'PUT', url: `${resource.resourceType}/${resource.id as string}` },
  }));
  return { resourceType: 'Bundle', type: options.type, entry };
}

export interface LoadOptions {
  type?: PatientBundleType;
  institutions?: readonly Institution[];
}

/**
 * `count` bundles of exactly `resourcesPerBundle` resources (at least the Patient), each a new patient at the
 * institutions in turn. Bundle i depends only on (seed, i), so a load can be split across workers by index.
 */
export function* bundlesForLoad(seed: Seed, count: number, resourcesPerBundle: number, options: LoadOptions = {}): Generator<Bundle> {
  const { type = 'transaction', institutions = INSTITUTIONS } = options;
  const tag = seedTag(seed);
  for (let index = 0; index < count; index += 1) {
    const rng = new SeededRandom(seed, 'load', index);
    const institution = institutions[index % institutions.length];
    const person = drawPerson(rng, nationalId(tag, `L${index}`), index);
    const record = patientRecord(rng, institution, person, medicalRecordNumber(institution.id, tag, `L${index}`), (groups) => {
      const taken: FhirResource[] = [];
      while (taken.length < resourcesPerBundle - 1) {
        taken.push(...(groups.next().value as FhirResource[]));
      }
      return taken.slice(0, Math.max(0, resourcesPerBundle - 1));
    });
    yield patientBundle(record, { type });
  }
}
