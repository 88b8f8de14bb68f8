import type { FhirResource } from './fhir-types';
import { namesNoPatient, patientReferenceOf } from './patient-reference';

const NHI = 'https://id.medshare.example/national-health-id';
const nationalId = { system: NHI, value: 'NHI-0001' };

describe('patientReferenceOf', () => {
  it.each<[string, FhirResource, ReturnType<typeof patientReferenceOf>]>([
    [
      'a Patient gives its identifiers and id',
      { resourceType: 'Patient', id: 'p1', identifier: [nationalId, { value: 'no-system' }] },
      { identifiers: [nationalId], patientId: 'p1' },
    ],
    ['a Patient without identifiers or id names nobody', { resourceType: 'Patient', gender: 'male' }, undefined],
    [
      'subject Patient/<id> gives the id',
      { resourceType: 'Observation', subject: { reference: 'Patient/p1' } },
      { identifiers: [], reference: 'Patient/p1', patientId: 'p1' },
    ],
    [
      'an absolute URL gives the id',
      { resourceType: 'Observation', subject: { reference: 'https://fhir.hosp-a.example/Patient/p1/_history/2' } },
      { identifiers: [], reference: 'https://fhir.hosp-a.example/Patient/p1/_history/2', patientId: 'p1' },
    ],
    [
      'a urn:uuid is kept for the bundle to resolve',
      { resourceType: 'Condition', subject: { reference: 'urn:uuid:6f1c1a52-8f0e-4b8e-9b1c-2f6d3d1e7a10' } },
      { identifiers: [], reference: 'urn:uuid:6f1c1a52-8f0e-4b8e-9b1c-2f6d3d1e7a10' },
    ],
    ['a logical reference gives its identifier', { resourceType: 'Encounter', subject: { identifier: nationalId } }, { identifiers: [nationalId] }],
    [
      'reference and identifier together give both',
      { resourceType: 'Encounter', subject: { reference: 'Patient/p1', identifier: nationalId } },
      { identifiers: [nationalId], reference: 'Patient/p1', patientId: 'p1' },
    ],
    [
      'a contained Patient gives its identifiers',
      { resourceType: 'Observation', contained: [{ resourceType: 'Patient', id: 'pat', identifier: [nationalId] }], subject: { reference: '#pat' } },
      { identifiers: [nationalId] },
    ],
    ['a contained reference to nothing names nobody', { resourceType: 'Observation', subject: { reference: '#missing' } }, undefined],
    [
      'AllergyIntolerance.patient is read',
      { resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/p2' } },
      { identifiers: [], reference: 'Patient/p2', patientId: 'p2' },
    ],
    [
      'Coverage.beneficiary is read',
      { resourceType: 'Coverage', beneficiary: { reference: 'Patient/p3' } },
      { identifiers: [], reference: 'Patient/p3', patientId: 'p3' },
    ],
    [
      'ResearchSubject.individual is read',
      { resourceType: 'ResearchSubject', individual: { reference: 'Patient/p4' } },
      { identifiers: [], reference: 'Patient/p4', patientId: 'p4' },
    ],
    ['a Group subject is not a patient', { resourceType: 'Observation', subject: { reference: 'Group/g1' } }, undefined],
    ['a typed non-Patient logical reference is not a patient', { resourceType: 'Observation', subject: { type: 'Device', identifier: nationalId } }, undefined],
    ['a resource without a patient element names nobody', { resourceType: 'Organization', name: 'Hospital A' }, undefined],
  ])('%s', (_case, resource, expected) => {
    expect(patientReferenceOf(resource)).toEqual(expected);
  });
});

describe('namesNoPatient', () => {
  it.each<[string, FhirResource, boolean]>([
    ['an Organization is a reference resource', { resourceType: 'Organization', name: 'Hospital A' }, true],
    ['a Practitioner is a reference resource', { resourceType: 'Practitioner', name: [{ family: 'Doe' }] }, true],
    ["a Device without a patient is the institution's", { resourceType: 'Device', status: 'active' }, true],
    ['an Observation of a Group is about no patient', { resourceType: 'Observation', subject: { reference: 'Group/g1' } }, true],
    ['a typed Device subject is about no patient', { resourceType: 'Observation', subject: { type: 'Device', identifier: nationalId } }, true],
    ['a Patient is always about a patient, even without identifiers', { resourceType: 'Patient', gender: 'male' }, false],
    ["a Device with a patient is the patient's", { resourceType: 'Device', patient: { reference: 'Patient/p1' } }, false],
    ['a display-only subject still names a patient (refused, never re-scoped)', { resourceType: 'Observation', subject: { display: 'someone' } }, false],
    ['a urn:uuid subject may be a Patient', { resourceType: 'Observation', subject: { reference: 'urn:uuid:6f1c1a52-8f0e-4b8e-9b1c-2f6d3d1e7a10' } }, false],
    ['an Account whose subjects are all Locations is about no patient', { resourceType: 'Account', subject: [{ reference: 'Location/l1' }] }, true],
  ])('%s', (_case, resource, expected) => {
    expect(namesNoPatient(resource)).toBe(expected);
  });
});
