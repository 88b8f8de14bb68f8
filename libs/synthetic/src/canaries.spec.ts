import { loadFhirDefinitions, validateFhirResource } from '@medshare/fhir';
import { withCanaries } from './canaries';
import { generatePopulation } from './population';

const CANARY = 'CANARY-4f1d2c';
const plain = generatePopulation({ seed: 11, patientsPerInstitution: 5 });
const planted = generatePopulation({ seed: 11, patientsPerInstitution: 5, canary: CANARY });
const records = planted.patients.flatMap((record) => [record.patient, ...record.resources]);

beforeAll(() => loadFhirDefinitions());

describe('canary planting', () => {
  it('puts the canary into every generated patient record', () => {
    expect(records.filter((resource) => !JSON.stringify(resource).includes(CANARY))).toEqual([]);
  });

  it('lists every planted value, each unique and found in its resource', () => {
    const values = planted.canaries.map((canary) => canary.value);
    expect(new Set(values).size).toBe(values.length);
    for (const canary of planted.canaries) {
      const resource = records.find((candidate) => candidate.resourceType === canary.resourceType && candidate.id === canary.resourceId);
      expect(JSON.stringify(resource)).toContain(canary.value);
    }
  });

  it.each(['name.family', 'name.given', 'address.line', 'identifier.value', 'note.text', 'conclusion'])('plants into %s', (element) => {
    expect(planted.canaries.some((canary) => canary.element === element)).toBe(true);
  });

  it('plants into valueString where a record has one', () => {
    const withValueString = generatePopulation({ seed: 11, patientsPerInstitution: 40, canary: CANARY });
    expect(withValueString.canaries.some((canary) => canary.element === 'valueString')).toBe(true);
  });

  it('keeps the records valid FHIR', () => {
    expect(records.filter((resource) => !validateFhirResource(resource).ok)).toEqual([]);
  });

  it('keeps the MRN of each record equal to its planted Patient identifier', () => {
    expect(planted.patients.every((record) => record.mrn.includes(CANARY) && JSON.stringify(record.patient.identifier).includes(record.mrn))).toBe(true);
  });

  it('leaves the population it was given untouched and plants nothing without a canary', () => {
    const before = JSON.stringify(plain);
    withCanaries(plain, CANARY);
    expect(JSON.stringify(plain)).toBe(before);
    expect(plain.canaries).toEqual([]);
  });

  it.each(['', 'has space', 'tab\t', 'ünïcode'])('rejects the canary %p', (canary) => {
    expect(() => withCanaries(plain, canary)).toThrow(RangeError);
  });
});
