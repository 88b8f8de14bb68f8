import { splitBundle } from './bundle';
import type { FhirResource } from './fhir-types';

const NHI = 'https://id.medshare.example/national-health-id';
const MRN = 'https://hosp-a.medshare.example/mrn';
const PATIENT_URL = 'urn:uuid:0b0c8a52-1c8e-4b8e-9b1c-2f6d3d1e7a10';
const ENCOUNTER_URL = 'urn:uuid:1b0c8a52-1c8e-4b8e-9b1c-2f6d3d1e7a10';
const OBSERVATION_URL = 'urn:uuid:2b0c8a52-1c8e-4b8e-9b1c-2f6d3d1e7a10';

const patient: FhirResource = {
  resourceType: 'Patient',
  id: 'p1',
  identifier: [
    { system: MRN, value: 'A-1' },
    { system: NHI, value: 'NHI-1' },
  ],
};
const encounter: FhirResource = { resourceType: 'Encounter', status: 'finished', subject: { reference: PATIENT_URL } };
const observation: FhirResource = { resourceType: 'Observation', subject: { reference: PATIENT_URL }, encounter: { reference: ENCOUNTER_URL } };

function bundle(type: string, entries: { fullUrl?: string; resource?: FhirResource }[]): FhirResource {
  return { resourceType: 'Bundle', type, entry: entries.map((entry) => ({ ...entry, request: { method: 'POST', url: entry.resource?.resourceType ?? 'x' } })) };
}

const patientOfEntries = { identifiers: patient.identifier, reference: PATIENT_URL, patientId: 'p1' };

describe('splitBundle', () => {
  it.each(['transaction', 'batch'])('resolves every %s entry to the Patient entry', (type) => {
    const result = splitBundle(
      bundle(type, [
        { fullUrl: PATIENT_URL, resource: patient },
        { fullUrl: ENCOUNTER_URL, resource: encounter },
        { fullUrl: OBSERVATION_URL, resource: observation },
      ]),
    );
    expect(result).toEqual({
      ok: true,
      type,
      entries: [
        { index: 0, fullUrl: PATIENT_URL, resource: patient, request: { method: 'POST', url: 'Patient' }, patient: patientOfEntries },
        { index: 1, fullUrl: ENCOUNTER_URL, resource: encounter, request: { method: 'POST', url: 'Encounter' }, patient: patientOfEntries },
        { index: 2, fullUrl: OBSERVATION_URL, resource: observation, request: { method: 'POST', url: 'Observation' }, patient: patientOfEntries },
      ],
    });
  });

  it('keeps references to outside the bundle and entries without a patient as they are', () => {
    const outside: FhirResource = { resourceType: 'Observation', subject: { reference: 'Patient/p9' } };
    const organization: FhirResource = { resourceType: 'Organization', name: 'Hospital A' };
    const result = splitBundle(bundle('batch', [{ resource: outside }, { resource: organization }]));
    expect(result.ok && result.entries.map((entry) => entry.patient)).toEqual([{ identifiers: [], reference: 'Patient/p9', patientId: 'p9' }, undefined]);
  });

  it.each<[string, unknown, string, string | undefined]>([
    ['not a Bundle', { resourceType: 'Patient' }, 'Expected a Bundle', undefined],
    ['a collection Bundle', { resourceType: 'Bundle', type: 'collection' }, 'Bundle type must be batch or transaction', 'Bundle.type'],
    ['entry is not an array', { resourceType: 'Bundle', type: 'batch', entry: {} }, 'Bundle.entry must be an array', 'Bundle.entry'],
    ['an entry without resource', bundle('batch', [{ fullUrl: PATIENT_URL }]), 'Entry has no resource', 'Bundle.entry[0].resource'],
    [
      'a duplicate fullUrl',
      bundle('batch', [
        { fullUrl: PATIENT_URL, resource: patient },
        { fullUrl: PATIENT_URL, resource: patient },
      ]),
      'The fullUrl appears twice',
      'Bundle.entry[1].fullUrl',
    ],
    [
      'a dangling urn:uuid patient reference',
      bundle('transaction', [{ fullUrl: ENCOUNTER_URL, resource: encounter }]),
      'The patient reference does not resolve within the bundle',
      'Bundle.entry[0].resource',
    ],
    [
      'a patient reference to a non-Patient entry',
      bundle('transaction', [
        { fullUrl: PATIENT_URL, resource: { resourceType: 'Group', type: 'person', actual: true } },
        { fullUrl: ENCOUNTER_URL, resource: encounter },
      ]),
      'The patient reference points to an entry that is not a Patient',
      'Bundle.entry[1].resource',
    ],
  ])('rejects %s', (_case, input, text, expression) => {
    const result = splitBundle(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toContainEqual(
      expect.objectContaining({ severity: 'error', details: { text }, ...(expression ? { expression: [expression] } : {}) }),
    );
  });
});
