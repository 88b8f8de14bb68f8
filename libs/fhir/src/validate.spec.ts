import { loadFhirDefinitions } from './definitions';
import { validateFhirResource } from './validate';

const patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'https://id.medshare.example/national-health-id', value: 'NHI-0001' }],
  gender: 'female',
  birthDate: '1970-04-02',
};
const observation = {
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2021-03-04T08:15:00+01:00',
  valueQuantity: { value: 98, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
};
const condition = {
  resourceType: 'Condition',
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003' }] },
  subject: { reference: 'urn:uuid:6f1c1a52-8f0e-4b8e-9b1c-2f6d3d1e7a10' },
};

beforeAll(() => loadFhirDefinitions());

describe('validateFhirResource accepts', () => {
  it.each([
    ['a Patient with identifiers', patient],
    ['a lab Observation with a UCUM quantity', observation],
    ['a Condition referring to a bundle entry by urn:uuid', condition],
    ['a date-only dateTime', { ...observation, effectiveDateTime: '2021-03-04' }],
    ['a dateTime in UTC', { ...observation, effectiveDateTime: '2021-03-04T08:15:00Z' }],
    ['a contained resource that is valid', { ...condition, contained: [{ resourceType: 'Patient', id: 'p', gender: 'male' }], subject: { reference: '#p' } }],
    ['an absolute literal reference of the right type', { ...observation, subject: { reference: 'https://fhir.hosp-a.example/Patient/p1' } }],
  ])('%s', (_case, resource) => {
    expect(validateFhirResource(resource)).toEqual({ ok: true, resource });
  });
});

describe('validateFhirResource rejects', () => {
  it.each([
    ['a non-object', 'Patient', 'Expected a JSON object with a resourceType', undefined],
    ['an object without resourceType', { gender: 'male' }, 'Expected a JSON object with a resourceType', undefined],
    ['an unknown resource type', { resourceType: 'Patientt' }, 'Unknown resource type Patientt', 'resourceType'],
    ['a data type posing as a resource', { resourceType: 'HumanName', family: 'X' }, 'Unknown resource type HumanName', 'resourceType'],
    ['an unknown element', { ...patient, nickname: 'Al' }, 'Invalid additional property "nickname"', 'Patient.nickname'],
    ['a wrong JSON type', { ...patient, birthDate: 19700402 }, 'Invalid JSON type: expected string, but got number', 'Patient.birthDate'],
    ['a scalar where an array is required', { ...patient, identifier: patient.identifier[0] }, 'Expected array of values for property', 'Patient.identifier'],
    ['a missing required element', { ...observation, status: undefined }, 'Missing required property', 'Observation.status'],
    ['a malformed date', { ...patient, birthDate: '02/04/1970' }, 'Invalid date format', 'Patient.birthDate'],
    ['an empty string', { ...patient, gender: '' }, 'Empty strings are not allowed', 'Patient.gender'],
    ['an empty array', { ...patient, name: [] }, 'Empty arrays are not allowed', 'Patient.name'],
    ['an empty object', { ...patient, maritalStatus: {} }, 'Empty objects are not allowed', 'Patient.maritalStatus'],
    ['an unknown code in a required code binding', { ...patient, gender: 'Female' }, 'Code Female is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender', 'Patient.gender'],
    ['an unknown Observation.status', { ...observation, status: 'done' }, 'Code done is not in the required value set http://hl7.org/fhir/ValueSet/observation-status', 'Observation.status'],
    [
      'an unknown code in a required CodeableConcept binding',
      { ...condition, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'activ' }] } },
      'Code activ is not in the required value set http://hl7.org/fhir/ValueSet/condition-clinical',
      'Condition.clinicalStatus',
    ],
    [
      'a required CodeableConcept with text only',
      { ...condition, clinicalStatus: { text: 'active' } },
      'Code (none) is not in the required value set http://hl7.org/fhir/ValueSet/condition-clinical',
      'Condition.clinicalStatus',
    ],
    ['a required CodeableConcept whose coding is an empty string (reported, not thrown)', { ...condition, clinicalStatus: { coding: '' } }, 'Empty strings are not allowed', 'Condition.clinicalStatus.coding'],
    ['a dateTime with a time but no offset', { ...observation, effectiveDateTime: '2021-03-04T08:15:00' }, 'A dateTime with a time must carry a time zone offset', 'Observation.effectiveDateTime'],
    ['a reference to a type the element does not allow', { ...observation, subject: { reference: 'Medication/m1' } }, 'Reference to Medication where Patient | Group | Device | Location is expected', 'Observation.subject'],
    [
      'an invariant violation (obs-6: value and dataAbsentReason together)',
      { ...observation, dataAbsentReason: { text: 'not measured' } },
      'Constraint obs-6 not met: dataAbsentReason SHALL only be present if Observation.value[x] is not present',
      'Observation',
    ],
    ['an invalid contained resource', { ...condition, contained: [{ resourceType: 'Patient', id: 'p', gender: 'x' }] }, 'Code x is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender', 'Condition.contained[0].gender'],
    [
      'an invalid resource inside a bundle',
      { resourceType: 'Bundle', type: 'batch', entry: [{ resource: { ...patient, nickname: 'Al' }, request: { method: 'POST', url: 'Patient' } }] },
      'Invalid additional property "nickname"',
      'Bundle.entry[0].resource.nickname',
    ],
  ])('%s', (_case, resource, text, expression) => {
    const result = validateFhirResource(resource);
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues).toContainEqual(expect.objectContaining({ severity: 'error', details: { text }, ...(expression ? { expression: [expression] } : {}) }));
  });
});

describe('loadFhirDefinitions', () => {
  it('is idempotent and fast on repeated calls', () => {
    const started = performance.now();
    loadFhirDefinitions();
    expect(performance.now() - started).toBeLessThan(5);
  });
});
