// Generates a deterministic population: per institution, patient records with their clinical history.
import type { FhirResource } from '@medshare/fhir';
import { withCanaries } from './canaries';
import { INSTITUTIONS, organizationOf, type Institution } from './institutions';
import type { Population, Seed, SyntheticPatient } from './population-model';
import { SeededRandom, seedState } from './prng';
import { buildPatient, drawPerson, encounterGroups, newRecordContext, type Person } from './records';
import { RESEARCH_STUDIES } from './vocabulary';

export interface PopulationOptions {
  seed: Seed;
  patientsPerInstitution: number;
  /** Defaults to hosp-a, hosp-b, hosp-c and lab-d. */
  institutions?: readonly Institution[];
  /** Share of each institution's patients (after the first) who are also new patients of the previous one; default 0.25. */
  sharedPatientRatio?: number;
  /** Each record gets 1..encountersPerPatient encounters; default 3. */
  encountersPerPatient?: number;
  /** Plants this string into free-text fields of every patient record (see withCanaries). */
  canary?: string;
}

export function generatePopulation(options: PopulationOptions): Population {
  const { seed, patientsPerInstitution, institutions = INSTITUTIONS, sharedPatientRatio = 0.25, encountersPerPatient = 3, canary } = options;
  const tag = seedTag(seed);
  const patients: SyntheticPatient[] = [];
  // Only people first registered at the previous institution are shared, so a shared person is known at exactly two.
  let previousNewPersons: Person[] = [];
  let personCount = 0;
  for (const [index, institution] of institutions.entries()) {
    const sharedCount = index === 0 ? 0 : Math.min(Math.round(sharedPatientRatio * patientsPerInstitution), previousNewPersons.length);
    const persons = Array.from({ length: patientsPerInstitution }, (_, position) => {
      if (position < sharedCount) {
        return previousNewPersons[position];
      }
      personCount += 1;
      return drawPerson(new SeededRandom(seed, 'person', personCount), nationalId(tag, personCount), personCount);
    });
    persons.forEach((person, position) => {
      const rng = new SeededRandom(seed, institution.id, position);
      const encounters = rng.int(1, encountersPerPatient);
      patients.push(
        patientRecord(rng, institution, person, medicalRecordNumber(institution.id, tag, position + 1), (groups) => takeGroups(groups, encounters)),
      );
    });
    previousNewPersons = persons.slice(sharedCount);
  }
  const population: Population = {
    seed,
    institutions: [...institutions],
    organizations: institutions.map(organizationOf),
    researchStudies: RESEARCH_STUDIES.map((study) => ({ resourceType: 'ResearchStudy', id: study.id, title: study.title, status: 'active' })),
    patients,
    canaries: [],
  };
  return canary === undefined ? population : withCanaries(population, canary);
}

export function patientRecord(
  rng: SeededRandom,
  institution: Institution,
  person: Person,
  mrn: string,
  take: (groups: Generator<FhirResource[]>) => FhirResource[],
): SyntheticPatient {
  const patient = buildPatient(rng, person, institution, mrn);
  const resources = take(encounterGroups(newRecordContext(rng, institution, person, patient)));
  return { institutionId: institution.id, nationalId: person.nationalId, mrn, patient, resources };
}

function takeGroups(groups: Generator<FhirResource[]>, count: number): FhirResource[] {
  return Array.from({ length: count }, () => groups.next().value as FhirResource[]).flat();
}

/** 8 hex digits of the seed, so identifiers of different seeds do not collide. */
export function seedTag(seed: Seed): string {
  return seedState(seed).toString(16).padStart(8, '0');
}

export function nationalId(tag: string, sequence: number | string): string {
  return `NHI-${tag}-${String(sequence).padStart(7, '0')}`;
}

/** Institution-specific on purpose, so equal MRNs never suggest the same person across institutions. */
export function medicalRecordNumber(institutionId: string, tag: string, sequence: number | string): string {
  return `${institutionId.toUpperCase()}-${tag}-${String(sequence).padStart(7, '0')}`;
}
