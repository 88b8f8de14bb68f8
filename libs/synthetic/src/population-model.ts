// The shapes of a synthetic population, shared by the generator (population.ts) and the canary planter
// (canaries.ts), which would otherwise import each other.
import type { FhirResource } from '@medshare/fhir';
import type { Institution } from './institutions';

export type Seed = number | string;

/** One institution's record of a person: its Patient and the clinical resources that reference it. */
export interface SyntheticPatient {
  institutionId: string;
  nationalId: string;
  mrn: string;
  patient: FhirResource;
  /** Clinical resources in reference order: each references only the Patient and earlier resources. */
  resources: FhirResource[];
}

export interface Population {
  seed: Seed;
  institutions: Institution[];
  organizations: FhirResource[];
  researchStudies: FhirResource[];
  patients: SyntheticPatient[];
  /** Empty unless a canary was planted. */
  canaries: PlantedCanary[];
}

export interface PlantedCanary {
  /** The exact planted text: `<canary>-<6-digit sequence>`; every one contains the canary itself. */
  value: string;
  resourceType: string;
  resourceId: string;
  /** Where it was planted, as a FHIRPath-like element path. */
  element: string;
}
