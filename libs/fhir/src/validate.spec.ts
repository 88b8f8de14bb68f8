import { loadFhirDefinitions } from './definitions';
import { MAX_REPORTED_ISSUES, validateFhirResource } from './validate';

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
    [
      'a contained resource that refers to its container (dom-3)',
      { ...observation, contained: [{ resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, derivedFrom: [{ reference: '#' }] }] },
    ],
    [
      'a contained resource referred to from another contained resource (dom-3)',
      {
        ...observation,
        hasMember: [{ reference: '#a' }],
        contained: [
          { resourceType: 'Observation', id: 'a', status: 'final', code: { text: 'a' }, hasMember: [{ reference: '#b' }] },
          { resourceType: 'Observation', id: 'b', status: 'final', code: { text: 'b' } },
        ],
      },
    ],
    ['a primitive with its extensions in the _ form', { ...patient, _birthDate: { extension: [{ url: 'https://x.example/e', valueString: 'x' }] } }],
    [
      'a choice element with its primitive extension (valueString + _valueString)',
      { ...observation, valueQuantity: undefined, valueString: 'high', _valueString: { id: 'v' } },
    ],
    ['an absolute literal reference of the right type', { ...observation, subject: { reference: 'https://fhir.hosp-a.example/Patient/p1' } }],
  ])('%s', (_case, resource) => {
    expect(validateFhirResource(resource)).toEqual({ ok: true, resource });
  });
});

describe('validateFhirResource rejects', () => {
  it.each([
    ['a non-object', 'Patient', 'Expected a JSON object with a resourceType', undefined],
    ['an object without resourceType', { gender: 'male' }, 'Expected a JSON object with a resourceType', undefined],
    ['an unknown resource type', { resourceType: 'Patientt' }, 'Unknown resource type', 'resourceType'],
    ['a data type posing as a resource', { resourceType: 'HumanName', family: 'X' }, 'Unknown resource type', 'resourceType'],
    [
      'an unknown element (its name stays out of the answer)',
      { ...patient, nickname: 'Al' },
      'Unknown element: not defined for this type',
      'Patient.<unknown>',
    ],
    ['a wrong JSON type', { ...patient, birthDate: 19700402 }, 'Invalid JSON type: expected string, but got number', 'Patient.birthDate'],
    ['a scalar where an array is required', { ...patient, identifier: patient.identifier[0] }, 'Expected array of values for property', 'Patient.identifier'],
    ['a missing required element', { ...observation, status: undefined }, 'Missing required property', 'Observation.status'],
    ['a malformed date', { ...patient, birthDate: '02/04/1970' }, 'Invalid date format', 'Patient.birthDate'],
    ['an empty string', { ...patient, gender: '' }, 'Empty strings are not allowed', 'Patient.gender'],
    [
      'a NUL byte in a string (R4 strings allow no control character but tab, CR and LF)',
      { ...patient, name: [{ family: 'A\u0000B' }] },
      'Invalid string format',
      'Patient.name[0].family',
    ],
    ['an empty array', { ...patient, name: [] }, 'Empty arrays are not allowed', 'Patient.name'],
    ['an empty object', { ...patient, maritalStatus: {} }, 'Empty objects are not allowed', 'Patient.maritalStatus'],
    [
      'an unknown code in a required code binding',
      { ...patient, gender: 'Female' },
      'The code is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender',
      'Patient.gender',
    ],
    [
      'an unknown Observation.status',
      { ...observation, status: 'done' },
      'The code is not in the required value set http://hl7.org/fhir/ValueSet/observation-status',
      'Observation.status',
    ],
    [
      'an unknown code in a required CodeableConcept binding',
      { ...condition, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'activ' }] } },
      'The code is not in the required value set http://hl7.org/fhir/ValueSet/condition-clinical',
      'Condition.clinicalStatus',
    ],
    [
      'a required CodeableConcept with text only',
      { ...condition, clinicalStatus: { text: 'active' } },
      'The code is not in the required value set http://hl7.org/fhir/ValueSet/condition-clinical',
      'Condition.clinicalStatus',
    ],
    [
      'a required CodeableConcept whose coding is an empty string (reported, not thrown)',
      { ...condition, clinicalStatus: { coding: '' } },
      'Expected a Coding as a JSON object, got a JSON string',
      'Condition.clinicalStatus.coding',
    ],
    [
      'a dateTime with a time but no offset',
      { ...observation, effectiveDateTime: '2021-03-04T08:15:00' },
      'A dateTime with a time must carry a time zone offset',
      'Observation.effectiveDateTime',
    ],
    [
      'a reference to a type the element does not allow',
      { ...observation, subject: { reference: 'Medication/m1' } },
      'The reference names a resource type this element does not allow (Patient | Group | Device | Location expected)',
      'Observation.subject',
    ],
    [
      'an invariant violation (obs-6: value and dataAbsentReason together)',
      { ...observation, dataAbsentReason: { text: 'not measured' } },
      'Constraint obs-6 not met: dataAbsentReason SHALL only be present if Observation.value[x] is not present',
      'Observation',
    ],
    [
      'an invalid contained resource',
      { ...condition, contained: [{ resourceType: 'Patient', id: 'p', gender: 'x' }] },
      'The code is not in the required value set http://hl7.org/fhir/ValueSet/administrative-gender',
      'Condition.contained[0].gender',
    ],
    [
      'an invalid resource inside a bundle',
      { resourceType: 'Bundle', type: 'batch', entry: [{ resource: { ...patient, nickname: 'Al' }, request: { method: 'POST', url: 'Patient' } }] },
      'Unknown element: not defined for this type',
      'Bundle.entry[0].resource.<unknown>',
    ],
  ])('%s', (_case, resource, text, expression) => {
    const result = validateFhirResource(resource);
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues).toContainEqual(expect.objectContaining({ severity: 'error', details: { text }, ...(expression ? { expression: [expression] } : {}) }));
  });
});

// Gaps medplum leaves: each case is proven on the resource alone, then as the resource of a batch bundle entry.
const observationIn = (resource: object) => ({ ...observation, ...resource });
const gapCases: [string, Record<string, unknown>, string, string][] = [
  [
    'a resource invariant (obs-6: value and dataAbsentReason together)',
    observationIn({ dataAbsentReason: { text: 'not measured' } }),
    'Constraint obs-6 not met: dataAbsentReason SHALL only be present if Observation.value[x] is not present',
    'Observation',
  ],
  [
    'a resource invariant (obs-7: a component code equal to the code, with a value)',
    observationIn({ component: [{ code: observation.code, valueString: 'x' }] }),
    'Constraint obs-7 not met: If Observation.code is the same as an Observation.component.code then the value element associated with the code SHALL NOT be present',
    'Observation',
  ],
  [
    'dom-2: a contained resource that contains resources',
    observationIn({
      hasMember: [{ reference: '#o' }],
      contained: [
        {
          resourceType: 'Observation',
          id: 'o',
          status: 'final',
          code: { text: 'x' },
          contained: [{ resourceType: 'Patient', id: 'p' }],
          subject: { reference: '#p' },
        },
      ],
    }),
    'Constraint dom-2 not met: If the resource is contained in another resource, it SHALL NOT contain nested Resources',
    'Observation',
  ],
  [
    'dom-3: a contained resource nothing refers to',
    observationIn({ contained: [{ resourceType: 'Patient', id: 'p' }] }),
    'Constraint dom-3 not met: If the resource is contained in another resource, it SHALL be referred to from elsewhere in the resource or SHALL refer to the containing resource',
    'Observation.contained[0]',
  ],
  [
    'dom-4: a contained resource with meta.versionId',
    observationIn({ subject: { reference: '#p' }, contained: [{ resourceType: 'Patient', id: 'p', meta: { versionId: '1' } }] }),
    'Constraint dom-4 not met: If a resource is contained in another resource, it SHALL NOT have a meta.versionId or a meta.lastUpdated',
    'Observation',
  ],
  [
    'dom-5: a contained resource with a security label',
    observationIn({
      subject: { reference: '#p' },
      contained: [
        { resourceType: 'Patient', id: 'p', meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] } },
      ],
    }),
    'Constraint dom-5 not met: If a resource is contained in another resource, it SHALL NOT have a security label',
    'Observation',
  ],
  [
    'org-1: an Organization with neither name nor identifier (medplum skips it)',
    { resourceType: 'Organization', active: true },
    'Constraint org-1 not met: The organization SHALL at least have a name or an identifier, and possibly more than one',
    'Organization',
  ],
  ['a number where a Reference belongs', observationIn({ subject: 5 }), 'Expected a Reference as a JSON object, got a JSON number', 'Observation.subject'],
  ['a boolean where a Reference belongs', observationIn({ subject: true }), 'Expected a Reference as a JSON object, got a JSON boolean', 'Observation.subject'],
  [
    'a number as a Coding in an array',
    observationIn({ code: { coding: [0] } }),
    'Expected a Coding as a JSON object, got a JSON number',
    'Observation.code.coding[0]',
  ],
  [
    'a string where a CodeableConcept belongs',
    observationIn({ code: 'x' }),
    'Expected a CodeableConcept as a JSON object, got a JSON string',
    'Observation.code',
  ],
  [
    'a number as a contained resource',
    observationIn({ contained: [5] }),
    'Expected a Resource as a JSON object, got a JSON number',
    'Observation.contained[0]',
  ],
  [
    'an object where a primitive belongs (not in the _ form)',
    { ...patient, birthDate: { id: 'x' } },
    'Expected a date as a JSON string, got a JSON object (its id and extensions belong in _birthDate)',
    'Patient.birthDate',
  ],
  [
    'an object in a primitive array',
    { ...patient, name: [{ given: [{ id: 'x' }] }] },
    'Expected a string as a JSON string, got a JSON object (its id and extensions belong in _given)',
    'Patient.name[0].given[0]',
  ],
  ['the _ form of a complex element', observationIn({ _subject: { id: 'x' } }), 'Only a primitive element has an _ form (_subject)', 'Observation._subject'],
  [
    'two keys of one choice element',
    observationIn({ valueString: 'high' }),
    'Conflicting choice of type properties: "valueString", "valueQuantity" (one value[x] only)',
    'Observation.valueString',
  ],
  [
    'a choice key with the _ form of another of its types',
    observationIn({ _valueString: { id: 'v' } }),
    'Conflicting choice of type properties: "valueString", "valueQuantity" (one value[x] only)',
    'Observation._valueString',
  ],
];

describe('validateFhirResource rejects what medplum lets through', () => {
  const inBundleEntry = gapCases.map(([name, resource, text, expression]): [string, Record<string, unknown>, string, string] => [
    `${name}, inside a bundle entry`,
    { resourceType: 'Bundle', type: 'batch', entry: [{ resource, request: { method: 'POST', url: String(resource.resourceType) } }] },
    text,
    expression.replace(/^[A-Za-z]+/, 'Bundle.entry[0].resource'),
  ]);
  it.each([...gapCases, ...inBundleEntry])('%s', (_case, resource, text, expression) => {
    const result = validateFhirResource(resource);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toContainEqual(expect.objectContaining({ severity: 'error', details: { text }, expression: [expression] }));
  });
});

describe('validateFhirResource answers with codes and schema-known paths, never with what was submitted', () => {
  const MARK = 'Zq9Canary';
  it.each<[string, unknown]>([
    ['an invented element name', { ...patient, [`mrn${MARK}`]: 'x' }],
    ['an invented element name inside a known element', { ...patient, name: [{ family: 'A', [MARK]: 1 }] }],
    [
      'an invented element name in a bundle entry and in a contained resource',
      {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          {
            resource: { ...condition, contained: [{ resourceType: 'Patient', id: 'p', [MARK]: 1 }], subject: { reference: '#p' } },
            request: { method: 'POST', url: 'Condition' },
          },
        ],
      },
    ],
    ['an element name with dots and brackets', { ...patient, [`a.${MARK}[0]`]: 1 }],
    ['an unknown resource type', { resourceType: MARK }],
    ['an unknown code', { ...patient, gender: MARK }],
    ['a wrong JSON type', { ...patient, birthDate: { [MARK]: 1 } }],
    ['a reference to a type the element does not allow', { ...observation, subject: { reference: `Medication/${MARK}` } }],
    ['a malformed primitive', { ...patient, birthDate: MARK }],
  ])('%s', (_case, resource) => {
    const result = validateFhirResource(resource);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(MARK);
  });
});

describe('validateFhirResource bounds its work on hostile input', () => {
  it('refuses JSON nested 10,000 deep as too costly, without overflowing the stack', () => {
    let extension: Record<string, unknown> = { url: 'https://x.example/e', valueString: 'x' };
    for (let depth = 0; depth < 10_000; depth += 1) extension = { url: 'https://x.example/e', extension: [extension] };
    const result = validateFhirResource({ ...observation, extension: [extension] });
    expect(result).toEqual({ ok: false, issues: [expect.objectContaining({ code: 'too-costly' })] });
  });

  it('lists at most 100 issues and counts the rest', () => {
    const result = validateFhirResource({ ...patient, name: [{ given: new Array(5_000).fill(1) }] });
    const issues = result.ok ? [] : result.issues;
    expect(issues).toHaveLength(MAX_REPORTED_ISSUES + 1);
    expect(issues[MAX_REPORTED_ISSUES]).toEqual(expect.objectContaining({ code: 'too-costly', details: { text: '4900 more issues not listed' } }));
  });

  it('stops at the 101st wrong JSON shape of a flood (a million values): 100 issues and a note, in milliseconds', () => {
    const started = performance.now();
    const result = validateFhirResource({ ...observation, code: { coding: new Array(1_000_000).fill(1) } });
    const issues = result.ok ? [] : result.issues;
    expect(issues).toHaveLength(MAX_REPORTED_ISSUES + 1);
    expect(issues[MAX_REPORTED_ISSUES]).toEqual(
      expect.objectContaining({ code: 'too-costly', details: { text: 'More issues not listed: validation stops after 100' } }),
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('loadFhirDefinitions', () => {
  it('is idempotent and fast on repeated calls', () => {
    const started = performance.now();
    loadFhirDefinitions();
    expect(performance.now() - started).toBeLessThan(5);
  });
});
