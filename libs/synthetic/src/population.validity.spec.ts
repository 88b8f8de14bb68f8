import { loadFhirDefinitions, splitBundle, validateFhirResource, type FhirResource } from '@medshare/fhir';
import { patientBundle } from './bundles';
import { generatePopulation } from './population';

const SEEDS = [1, 42, 'medshare'] as const;

beforeAll(() => loadFhirDefinitions());

function invalid(resources: readonly FhirResource[]): unknown[] {
  return resources
    .map((resource) => ({ resource: `${resource.resourceType}/${resource.id}`, result: validateFhirResource(resource) }))
    .filter(({ result }) => !result.ok);
}

describe.each(SEEDS)('the population of seed %p', (seed) => {
  const population = generatePopulation({ seed, patientsPerInstitution: 6, canary: 'CANARY-validity' });

  it('has only valid resources (organizations, studies, patients and clinical records)', () => {
    const all = [...population.organizations, ...population.researchStudies, ...population.patients.flatMap((record) => [record.patient, ...record.resources])];
    expect(invalid(all)).toEqual([]);
  });

  it.each(['transaction', 'batch'] as const)('has only valid %s bundles, whose every entry resolves to the Patient entry', (type) => {
    const bundles = population.patients.map((record) => patientBundle(record, { type }));
    expect(invalid(bundles)).toEqual([]);
    for (const [index, bundle] of bundles.entries()) {
      const split = splitBundle(bundle);
      expect(split.ok && split.entries.every((entry) => entry.patient?.patientId === population.patients[index].patient.id)).toBe(true);
    }
  });
});
