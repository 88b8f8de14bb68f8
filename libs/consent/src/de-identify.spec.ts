// Research answers carry no direct identifiers; references stay, pseudonymous.
import { deIdentify } from './de-identify';

describe('deIdentify', () => {
  const patient = {
    resourceType: 'Patient',
    id: 'pt-1',
    text: { status: 'generated', div: '<div>Jane Synthetic</div>' },
    identifier: [{ system: 'urn:example:mrn', value: 'MRN-0001' }],
    name: [{ family: 'Synthetic', given: ['Jane'] }],
    telecom: [{ system: 'phone', value: '+00 000 0000' }],
    address: [{ city: 'Exampleville' }],
    photo: [{ contentType: 'image/png', data: 'AAAA' }],
    contact: [{ name: { family: 'Synthetic' }, telecom: [{ system: 'phone', value: '+00 000 0001' }] }],
    gender: 'female',
    birthDate: '1980-01-01',
    extension: [
      { url: 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName', valueString: 'Example' },
      { url: 'urn:example:ext', valueAddress: { city: 'Elsewhere' } },
      { url: 'urn:example:ext', valueCode: 'kept' },
    ],
    generalPractitioner: [{ reference: 'Practitioner/dr-a', display: 'Dr. Example' }],
  };

  it.each([
    [
      'a Patient loses names, identifiers, contacts, narrative and identifying extensions',
      patient,
      {
        resourceType: 'Patient',
        id: 'pt-1',
        gender: 'female',
        birthDate: '1980-01-01',
        extension: [{ url: 'urn:example:ext', valueCode: 'kept' }],
        generalPractitioner: [{ reference: 'Practitioner/dr-a' }],
      },
    ],
    [
      'an Observation keeps its pseudonymous subject reference, without display',
      {
        resourceType: 'Observation',
        id: 'o1',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose' }] },
        subject: { reference: 'Patient/pt-1', display: 'Jane Synthetic' },
        performer: [{ reference: 'Practitioner/dr-a', identifier: { value: 'LIC-1' } }],
      },
      {
        resourceType: 'Observation',
        id: 'o1',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose' }] },
        subject: { reference: 'Patient/pt-1' },
        performer: [{ reference: 'Practitioner/dr-a' }],
      },
    ],
    [
      'a contained RelatedPerson is stripped too',
      {
        resourceType: 'Consent',
        id: 'c1',
        contained: [{ resourceType: 'RelatedPerson', id: 'rp', name: [{ family: 'X' }], telecom: [{ value: '1' }], relationship: [{ text: 'mother' }] }],
      },
      {
        resourceType: 'Consent',
        id: 'c1',
        contained: [{ resourceType: 'RelatedPerson', id: 'rp', relationship: [{ text: 'mother' }] }],
      },
    ],
  ])('%s', (_name, input, expected) => {
    const before = JSON.stringify(input);
    expect(deIdentify(input)).toEqual(expected);
    expect(JSON.stringify(input)).toBe(before);
  });
});
