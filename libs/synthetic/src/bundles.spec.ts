import { loadFhirDefinitions, splitBundle, validateFhirResource, type Bundle } from '@medshare/fhir';
import { bundlesForLoad, patientBundle } from './bundles';
import { generatePopulation } from './population';

const record = generatePopulation({ seed: 5, patientsPerInstitution: 1 }).patients[0];

beforeAll(() => loadFhirDefinitions());

describe('patientBundle', () => {
  it.each([
    ['transaction', { method: 'POST', url: 'Patient' }],
    ['batch', { method: 'PUT', url: `Patient/${record.patient.id}` }],
  ] as const)('builds a %s with the Patient entry first', (type, patientRequest) => {
    const bundle = patientBundle(record, { type });
    expect(bundle.type).toBe(type);
    expect(bundle.entry?.[0]).toEqual({ fullUrl: `urn:uuid:${record.patient.id}`, resource: record.patient, request: patientRequest });
    expect(bundle.entry).toHaveLength(1 + record.resources.length);
  });

  it('references only entries of the bundle by urn:uuid, besides Organization and ResearchStudy', () => {
    const bundle = patientBundle(record);
    const fullUrls = new Set(bundle.entry?.map((entry) => entry.fullUrl));
    const references = JSON.stringify(bundle).match(/"reference":"[^"]+"/g) ?? [];
    const dangling = references
      .map((text) => text.slice(13, -1))
      .filter((reference) => !fullUrls.has(reference) && !/^(Organization|ResearchStudy)\//.test(reference));
    expect(references.length).toBeGreaterThan(0);
    expect(dangling).toEqual([]);
  });
});

describe('bundlesForLoad', () => {
  const load = (seed: number, count: number, size: number): Bundle[] => [...bundlesForLoad(seed, count, size)];

  it.each([1, 2, 10, 50])('yields bundles of exactly %i resources', (size) => {
    expect(load(3, 4, size).map((bundle) => bundle.entry?.length)).toEqual([size, size, size, size]);
  });

  it('is deterministic per seed and index, so workers can split a load by index', () => {
    expect(JSON.stringify(load(3, 5, 20))).toBe(JSON.stringify(load(3, 5, 20)));
    expect(JSON.stringify(load(3, 5, 20)[4])).toBe(JSON.stringify([...bundlesForLoad(3, 5, 20)][4]));
    expect(JSON.stringify(load(4, 5, 20))).not.toBe(JSON.stringify(load(3, 5, 20)));
  });

  it('spreads patients over the institutions in turn, each a different person', () => {
    const patients = load(3, 8, 5).map((bundle) => bundle.entry?.[0].resource);
    expect(patients.map((patient) => (patient?.managingOrganization as { reference: string }).reference)).toEqual(
      ['hosp-a', 'hosp-b', 'hosp-c', 'lab-d', 'hosp-a', 'hosp-b', 'hosp-c', 'lab-d'].map((id) => `Organization/${id}`),
    );
    expect(new Set(patients.map((patient) => JSON.stringify(patient?.identifier))).size).toBe(8);
  });

  it('yields valid bundles whose entries all resolve to their Patient, even when cut mid-encounter', () => {
    for (const bundle of load(9, 6, 17)) {
      expect(validateFhirResource(bundle)).toEqual({ ok: true, resource: bundle });
      const split = splitBundle(bundle);
      expect(split.ok && split.entries.every((entry) => entry.patient?.reference === bundle.entry?.[0].fullUrl)).toBe(true);
    }
  });
});
