// A read returns the reference resources its released records name: one hop, per holder, newest version, no labels.
import type { FhirResource } from '@medshare/fhir';
import { pickReferenced, referencedTypes, referencesByHolder, type ReferencedRecord } from './referenced-resources';

const encounter: FhirResource = {
  resourceType: 'Encounter',
  id: 'e1',
  subject: { reference: 'Patient/p1' },
  participant: [{ individual: { reference: 'Practitioner/dr-1' } }],
  location: [{ location: { reference: 'https://fhir.hosp-a.example/Location/ward-3/_history/2' } }],
  serviceProvider: { reference: 'Organization/org-1' },
  contained: [{ resourceType: 'Practitioner', id: 'inner', partOf: { reference: 'Organization/hidden' } }],
};
const record = (
  institution: string,
  resource: FhirResource,
  recordId = `r-${String(resource.id)}-${String((resource.meta as { versionId?: string } | undefined)?.versionId ?? 1)}`,
): ReferencedRecord => ({ recordId, resourceType: resource.resourceType, institution, resource });

describe('referencesByHolder', () => {
  it('collects Type/id literals of released records per holder, without the Patient and without contained resources', () => {
    const byHolder = referencesByHolder([
      record('hosp-a', encounter),
      record('hosp-b', { resourceType: 'Observation', id: 'o1', subject: { reference: 'Patient/p9' } }),
    ]);
    expect([...byHolder.keys()]).toEqual(['hosp-a']);
    expect([...(byHolder.get('hosp-a') ?? [])].sort()).toEqual(['Location/ward-3', 'Organization/org-1', 'Practitioner/dr-1']);
    expect(referencedTypes(byHolder.get('hosp-a') ?? new Set())).toEqual(['Location', 'Organization', 'Practitioner']);
  });
});

describe('pickReferenced', () => {
  const references = new Set(['Practitioner/dr-1', 'Organization/org-1']);
  it.each<[string, ReferencedRecord[], string[]]>([
    ['a named resource of the holder is returned', [record('hosp-a', { resourceType: 'Practitioner', id: 'dr-1' })], ['r-dr-1-1']],
    ['an unnamed resource of the holder is not', [record('hosp-a', { resourceType: 'Practitioner', id: 'dr-2' })], []],
    ['the same id at another institution is not', [record('hosp-b', { resourceType: 'Practitioner', id: 'dr-1' })], []],
    [
      'only the newest version is returned',
      [
        record('hosp-a', { resourceType: 'Organization', id: 'org-1', meta: { versionId: '2' } }),
        record('hosp-a', { resourceType: 'Organization', id: 'org-1', meta: { versionId: '1' } }),
      ],
      ['r-org-1-2'],
    ],
    [
      'a labelled reference resource is kept back',
      [
        record('hosp-a', {
          resourceType: 'Practitioner',
          id: 'dr-1',
          meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
        }),
      ],
      [],
    ],
  ])('%s', (_case, decrypted, expected) => {
    expect(pickReferenced('hosp-a', references, decrypted).map((picked) => picked.recordId)).toEqual(expected);
  });
});
