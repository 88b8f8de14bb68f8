// The FHIR fast path against the full validator over synthetic data: it lives outside libs/fhir because
// libs/synthetic builds on libs/fhir, and a lib test importing synthetic would make the two depend on each other.
import { bundlesForLoad, generatePopulation, patientBundle } from '@medshare/synthetic';
import { isCleanResource } from '../../libs/fhir/src/clean-resource';
import { loadFhirDefinitions } from '../../libs/fhir/src/definitions';
import type { FhirResource } from '../../libs/fhir/src/fhir-types';
import { reportedIssues, validateFhirResource } from '../../libs/fhir/src/validate';

type Json = unknown;
type JsonPath = (string | number)[];

const population = generatePopulation({ seed: 'clean-resource', patientsPerInstitution: 2 });
const firstRecord = population.patients[0];
const records = [firstRecord.patient, ...firstRecord.resources];
const observation: FhirResource = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2021-03-04T08:15:00+01:00',
  valueQuantity: { value: 98, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
};

// A container whose contained resources are referenced, from it (subject) and from a contained resource (hasMember).
const observationWithContained: FhirResource = {
  ...observation,
  subject: { reference: '#p' },
  hasMember: [{ reference: '#o' }],
  contained: [
    { resourceType: 'Patient', id: 'p', gender: 'female' },
    { resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, derivedFrom: [{ reference: '#' }] },
  ],
};

// One resource of each kind (an Observation per category), one with contained resources, then a small transaction bundle.
const samples: FhirResource[] = [
  ...new Map(records.map((resource) => [`${resource.resourceType}:${JSON.stringify(resource.category ?? '')}`, resource])).values(),
  observationWithContained,
  patientBundle({ ...firstRecord, resources: firstRecord.resources.slice(0, 2) }, { type: 'transaction' }),
];

function inBatch(resource: FhirResource): FhirResource {
  return { resourceType: 'Bundle', type: 'batch', entry: [{ resource, request: { method: 'POST', url: resource.resourceType } }] };
}

function omit(resource: FhirResource, key: string): FhirResource {
  return Object.fromEntries(Object.entries(resource).filter(([name]) => name !== key)) as FhirResource;
}

beforeAll(() => loadFhirDefinitions());

describe('isCleanResource on synthetic data', () => {
  it('proves every resource and bundle of a population and of a load clean, as the reporting path agrees', () => {
    const all = [
      ...population.organizations,
      ...population.researchStudies,
      ...population.patients.flatMap((record) => [record.patient, ...record.resources, patientBundle(record, { type: 'batch' })]),
      ...bundlesForLoad('clean-resource', 3, 100),
    ];
    expect(all.filter((resource) => !isCleanResource(resource)).map((resource) => resource.resourceType)).toEqual([]);
    expect(all.filter((resource) => reportedIssues(resource).length > 0).map((resource) => resource.resourceType)).toEqual([]);
  });
});

describe('isCleanResource declines', () => {
  it.each<[string, FhirResource]>([
    ['a resource invariant at the root (obs-6)', { ...observation, dataAbsentReason: { text: 'not measured' } }],
    [
      'an element invariant (ext-1: an extension with both value and extensions)',
      { ...observation, extension: [{ url: 'https://x.example/e', valueString: 'a', extension: [{ url: 'https://x.example/f', valueString: 'b' }] }] },
    ],
    [
      'a Bundle invariant (bdl-7: duplicate fullUrl)',
      {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { fullUrl: 'https://x.example/Patient/1', resource: { resourceType: 'Patient' } },
          { fullUrl: 'https://x.example/Patient/1', resource: { resourceType: 'Patient' } },
        ],
      },
    ],
    [
      'an unknown element in a bundle entry',
      {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ resource: { resourceType: 'Patient', nickname: 'Al' }, request: { method: 'POST', url: 'Patient' } }],
      },
    ],
    ['an unknown element in a contained resource', { ...observation, contained: [{ resourceType: 'Patient', id: 'p', nickname: 'Al' }] }],
    ['a choice key of a type the element does not allow', { ...omit(observation, 'valueQuantity'), valueMoney: { value: 1 } }],
    ['a missing required element', omit(observation, 'status')],
    ['a malformed primitive', { ...observation, effectiveDateTime: '04/03/2021' }],
    ['a non-integer integer', { ...omit(observation, 'valueQuantity'), valueInteger: 1.5 }],
    ['a string longer than 1 MB', { ...observation, comment: 'x'.repeat(1024 * 1024 + 1) }],
    ['a null', { ...observation, issued: null }],
    ['a scalar for a repeating element', { ...observation, performer: { reference: 'Practitioner/1' } }],
    ['an array for a single element', { ...observation, subject: [{ reference: 'Patient/p1' }] }],
    ['an empty string', { ...observation, valueQuantity: { ...(observation.valueQuantity as object), unit: ' ' } }],
    ['an empty object', { ...observation, method: {} }],
    ['a code outside a required value set', { ...observation, status: 'done' }],
    ['a dateTime without offset', { ...observation, effectiveDateTime: '2021-03-04T08:15:00' }],
    ['a reference to a type the element does not allow', { ...observation, subject: { reference: 'Medication/m1' } }],
    ['a contained resource of an unknown type', { ...observation, contained: [{ resourceType: 'Patientt', id: 'p' }] }],
    ['a resource invariant in a bundle entry (obs-6)', inBatch({ ...observation, dataAbsentReason: { text: 'not measured' } })],
    [
      'a resource invariant in a contained resource (dom-2)',
      { ...observationWithContained, contained: [{ resourceType: 'Patient', id: 'p', contained: [{ resourceType: 'Patient', id: 'q' }] }] },
    ],
    ['a contained resource nothing refers to (dom-3)', omit(observationWithContained, 'subject')],
    ['a contained resource nothing refers to, in a bundle entry (dom-3)', inBatch(omit(observationWithContained, 'subject'))],
    ['an Organization with neither name nor identifier (org-1, which medplum skips)', { resourceType: 'Organization', active: true }],
    ['a number where a complex type belongs', { ...observation, subject: 5 }],
    ['an object where a primitive belongs', { ...observation, issued: { id: 'x' } }],
    ['two keys of one choice element', { ...observation, valueString: 'high' }],
  ])('%s', (_case, resource) => {
    expect(isCleanResource(resource)).toBe(false);
    expect(reportedIssues(resource)).not.toEqual([]);
  });

  // Shapes the walk does not model are left to the reporting path, whose verdict stands: the result is unchanged.
  it.each<[string, FhirResource]>([
    [
      'a primitive extension',
      { resourceType: 'Patient', birthDate: '1970-04-02', _birthDate: { extension: [{ url: 'https://x.example/e', valueString: 'x' }] } },
    ],
    ['a data type object carrying a resourceType (medplum skips that key everywhere)', { ...observation, code: { resourceType: 'Patient', text: 'x' } }],
  ])('%s, and validateFhirResource accepts it as the reporting path does', (_case, resource) => {
    expect(isCleanResource(resource)).toBe(false);
    expect(reportedIssues(resource)).toEqual([]);
    expect(validateFhirResource(resource)).toEqual({ ok: true, resource });
  });
});

// The property the fast path rests on: whatever it proves clean, the reporting path (medplum + strict pass) accepts.
describe('isCleanResource against the reporting path, over mutants of synthetic resources', () => {
  const replacements: Json[] = [
    '',
    '  ',
    null,
    [],
    {},
    0,
    -1,
    1.5,
    true,
    'x y',
    'not-a-code',
    '2021-03-04T08:15:00',
    'Medication/m1',
    { reference: 'Medication/m1' },
    { unknown: 1 },
  ];

  it.each(
    samples.map(
      (resource) => [`${resource.resourceType}${resource.resourceType === 'Observation' ? ` (${JSON.stringify(resource.category)})` : ''}`, resource] as const,
    ),
  )('never proves clean what the reporting path rejects: %s', (_name, resource) => {
    const unsound: string[] = [];
    let rejected = 0;
    for (const [label, mutant] of mutantsOf(resource, replacements)) {
      const issues = reportedIssues(mutant);
      if (issues.length > 0) rejected += 1;
      if (issues.length > 0 && isCleanResource(mutant)) unsound.push(`${label}: ${issues.map((issue) => issue.details?.text).join('; ')}`);
    }
    expect(unsound).toEqual([]);
    expect(rejected).toBeGreaterThan(50);
  });
});

/** Every mutant of `resource`: each value replaced, wrapped in or taken out of an array, deleted, or given an unknown sibling. */
function* mutantsOf(resource: FhirResource, replacements: readonly Json[]): Generator<[string, FhirResource]> {
  for (const path of pathsOf(resource)) {
    if (path.length === 1 && path[0] === 'resourceType') continue;
    const current = valueAt(resource, path);
    const label = path.join('.');
    for (const replacement of replacements) yield [`${label} = ${JSON.stringify(replacement)}`, withValue(resource, path, replacement)];
    yield [`${label} wrapped`, withValue(resource, path, [current])];
    if (Array.isArray(current)) yield [`${label} unwrapped`, withValue(resource, path, current[0])];
    yield [`${label} deleted`, withValue(resource, path, undefined)];
    if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
      yield [`${label} + nickname`, withValue(resource, path, { ...current, nickname: 'Al' })];
    }
  }
}

function pathsOf(json: Json, prefix: JsonPath = []): JsonPath[] {
  if (typeof json !== 'object' || json === null) return [];
  const children: [string | number, Json][] = Array.isArray(json) ? json.map((item, index) => [index, item]) : Object.entries(json);
  return children.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

function valueAt(json: Json, path: JsonPath): Json {
  return path.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], json);
}

// undefined deletes an object key or removes an array item.
function withValue(resource: FhirResource, path: JsonPath, value: Json): FhirResource {
  const copy = structuredClone(resource);
  const parent = valueAt(copy, path.slice(0, -1)) as Record<string | number, Json>;
  const key = path[path.length - 1];
  if (value !== undefined) parent[key] = value;
  else if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key];
  return copy;
}
