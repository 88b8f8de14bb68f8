// Requests to versions, Given/When/Then: what each entry writes, finds or is refused, and how references are renamed.
import type { FhirResource } from '@medshare/fhir';
import { waitsForLaterLines } from '../intake/ingestion-error';
import { parseRequests } from './entry-requests';
import { danglingReferences, literalReferences, planVersions, type EntryOutcome, type KnownResources, type StoredResource } from './version-plan';

const refs = {
  clientRef: (type: string, id: string) => `c:${type}/${id}`,
  identifierRef: (type: string, system: string, value: string) => `i:${type}:${system}|${value}`,
};
const none: KnownResources = { byClientRef: new Map(), byLogicalId: new Map(), byIdentifierRef: new Map() };
const NPI = 'https://hosp-a.medshare.example/practitioner';
const practitioner: FhirResource = { resourceType: 'Practitioner', id: 'dr-1', identifier: [{ system: NPI, value: 'P-1' }], name: [{ family: 'Doe' }] };
const encounter: FhirResource = {
  resourceType: 'Encounter',
  id: 'e-1',
  status: 'finished',
  subject: { reference: 'Patient/pt-1' },
  participant: [{ individual: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' } }],
};

function plan(bundle: FhirResource, known = none, owner = 'p-owner', deferUnresolved = false): EntryOutcome[] {
  const { requests, refused } = parseRequests(bundle);
  expect(refused).toEqual([]);
  let ids = 0;
  return planVersions(
    requests.map((request) => ({ request, ...(request.interaction !== 'delete' && { keyOwner: owner }) })),
    known,
    refs,
    {
      now: '2026-12-06T06:00:00.000Z',
      newId: () => `id-${(ids += 1)}`,
      hash: (resource) => JSON.stringify({ ...resource, id: undefined, meta: undefined }),
      deferUnresolved,
    },
  );
}
const transaction = (...entry: unknown[]): FhirResource => ({ resourceType: 'Bundle', type: 'transaction', entry });
const stored = (version: number, extra: Partial<StoredResource> = {}): StoredResource => ({
  resourceType: 'Practitioner',
  logicalId: 'L-1',
  keyOwner: 'p-owner',
  version,
  nextVersion: version + 1,
  deleted: false,
  ...extra,
});
const knownByClient = (resource: StoredResource): KnownResources => ({ ...none, byClientRef: new Map([['c:Practitioner/dr-1', resource]]) });
const summary = (outcomes: EntryOutcome[]) =>
  outcomes.map((outcome) =>
    outcome.kind === 'refused' ? `refused ${outcome.status}` : `${outcome.kind} ${outcome.status} ${outcome.logicalId ?? '-'}@${outcome.version ?? '-'}`,
  );

describe('planVersions', () => {
  describe('in an $import pass (deferUnresolved), a `Type/<id>` nothing resolves', () => {
    const batch = (...entry: unknown[]): FhirResource => ({ resourceType: 'Bundle', type: 'batch', entry });
    const condition = (encounterRef: string): FhirResource => ({
      resourceType: 'Condition',
      id: 'c-1',
      subject: { reference: 'Patient/pt-1' },
      encounter: { reference: encounterRef },
      code: { text: 'x' },
    });
    const put = (resource: FhirResource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id as string}` } });
    const patientKnown: KnownResources = {
      ...none,
      byClientRef: new Map([['c:Patient/pt-1', { ...stored(1), resourceType: 'Patient', logicalId: 'P-1' }]]),
    };

    it.each([
      ['waits when the resource it names is not known yet', plan(batch(put(condition('Encounter/e-9'))), patientKnown, 'p-owner', true), ['refused 422']],
      [
        'is stored as sent outside such a pass (the last pass)',
        plan(batch(put(condition('Encounter/e-9'))), patientKnown, 'p-owner', false),
        ['write 201 id-1@1'],
      ],
      [
        'does not wait when the resource is an entry of the same submission, in any order',
        plan(batch(put(condition('Encounter/e-1')), put({ ...encounter, participant: [] })), patientKnown, 'p-owner', true),
        ['write 201 id-1@1', 'write 201 id-2@1'],
      ],
      [
        'does not wait for a platform id known already',
        plan(
          batch(put(condition('Encounter/E-7'))),
          { ...patientKnown, byLogicalId: new Map([['Encounter/E-7', stored(1, { resourceType: 'Encounter' })]]) },
          'p-owner',
          true,
        ),
        ['write 201 id-1@1'],
      ],
    ])('%s', (_name, outcomes, expected) => {
      expect(summary(outcomes)).toEqual(expected);
    });

    it('answers the waiting entry with a text the import recognises', () => {
      const [outcome] = plan(batch(put(condition('Encounter/e-9'))), patientKnown, 'p-owner', true);
      expect(outcome.kind === 'refused' && waitsForLaterLines(outcome.issues)).toBe(true);
    });
  });

  it('creates with platform ids and rewrites urn:uuid references between entries, whatever their order', () => {
    const outcomes = plan(
      transaction(
        { fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222', resource: encounter, request: { method: 'POST', url: 'Encounter' } },
        { fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111', resource: practitioner, request: { method: 'POST', url: 'Practitioner' } },
      ),
    );
    expect(summary(outcomes)).toEqual(['write 201 id-1@1', 'write 201 id-2@1']);
    const written = outcomes[0].kind === 'write' ? outcomes[0].resource : undefined;
    expect(written).toMatchObject({
      id: 'id-1',
      meta: { versionId: '1', lastUpdated: '2026-12-06T06:00:00.000Z' },
      participant: [{ individual: { reference: 'Practitioner/id-2' } }],
    });
    // A reference to a patient nobody in the bundle names stays as sent; the client's own id is not kept.
    expect(JSON.stringify(written)).toContain('Patient/pt-1');
    expect(JSON.stringify(written)).not.toContain('"e-1"');
  });

  it.each<[string, FhirResource, KnownResources, string[]]>([
    [
      'an identical re-send is recognised: no new version',
      transaction({ resource: practitioner, request: { method: 'PUT', url: 'Practitioner/dr-1' } }),
      knownByClient(stored(1, { contentHash: JSON.stringify({ ...practitioner, id: undefined, meta: undefined }) })),
      ['unchanged 200 L-1@1'],
    ],
    [
      'a changed update is the next version',
      transaction({ resource: { ...practitioner, active: false }, request: { method: 'PUT', url: 'Practitioner/dr-1' } }),
      knownByClient(stored(1, { contentHash: 'old' })),
      ['write 200 L-1@2'],
    ],
    [
      'ifMatch on the current version updates',
      transaction({ resource: { ...practitioner, active: false }, request: { method: 'PUT', url: 'Practitioner/dr-1', ifMatch: 'W/"1"' } }),
      knownByClient(stored(1, { contentHash: 'old' })),
      ['write 200 L-1@2'],
    ],
    [
      'ifMatch on an older version is refused (412)',
      transaction({ resource: practitioner, request: { method: 'PUT', url: 'Practitioner/dr-1', ifMatch: 'W/"1"' } }),
      knownByClient(stored(2, { contentHash: 'old' })),
      ['refused 412'],
    ],
    [
      'a conditional create that finds its identifier does nothing',
      transaction({ resource: { ...practitioner, id: undefined }, request: { method: 'POST', url: 'Practitioner', ifNoneExist: `identifier=${NPI}|P-1` } }),
      { ...none, byIdentifierRef: new Map([[`i:Practitioner:${NPI}|P-1`, stored(1)]]) },
      ['unchanged 200 L-1@1'],
    ],
    [
      'two conditional creates of one identifier make one resource',
      transaction(
        ...[1, 2].map(() => ({
          resource: { ...practitioner, id: undefined },
          request: { method: 'POST', url: 'Practitioner', ifNoneExist: `identifier=${NPI}|P-1` },
        })),
      ),
      none,
      ['write 201 id-1@1', 'unchanged 200 id-1@1'],
    ],
    [
      'a delete writes a tombstone version (204)',
      transaction({ request: { method: 'DELETE', url: 'Practitioner/dr-1' } }),
      knownByClient(stored(3)),
      ['write 204 L-1@4'],
    ],
    ['a delete of nothing changes nothing (204)', transaction({ request: { method: 'DELETE', url: 'Practitioner/dr-9' } }), none, ['unchanged 204 -@-']],
    [
      'a create after a delete is a new version of the same resource (201)',
      transaction({ resource: practitioner, request: { method: 'PUT', url: 'Practitioner/dr-1' } }),
      knownByClient(stored(4, { deleted: true })),
      ['write 201 L-1@5'],
    ],
    [
      'an update moving a record to another patient is refused (409)',
      transaction({ resource: practitioner, request: { method: 'PUT', url: 'Practitioner/dr-1' } }),
      knownByClient(stored(1, { keyOwner: 'p-other' })),
      ['refused 409'],
    ],
    [
      'a PUT by the platform id updates that resource',
      transaction({ resource: { ...practitioner, id: 'L-1' }, request: { method: 'PUT', url: 'Practitioner/L-1' } }),
      { ...none, byLogicalId: new Map([['Practitioner/L-1', stored(1, { contentHash: 'old' })]]) },
      ['write 200 L-1@2'],
    ],
  ])('%s', (_case, bundle, known, expected) => {
    expect(summary(plan(bundle, known))).toEqual(expected);
  });

  it('the tombstone carries the deletion tag and no content', () => {
    const [outcome] = plan(transaction({ request: { method: 'DELETE', url: 'Practitioner/dr-1' } }), knownByClient(stored(1)));
    expect(outcome.kind === 'write' && outcome.resource).toEqual({
      resourceType: 'Practitioner',
      id: 'L-1',
      meta: {
        versionId: '2',
        lastUpdated: '2026-12-06T06:00:00.000Z',
        tag: [{ system: 'https://fhir.medshare.example/CodeSystem/version-state', code: 'deleted' }],
      },
    });
  });

  it('renames references to resources sent earlier by their client id', () => {
    const observation: FhirResource = { resourceType: 'Observation', status: 'final', code: {}, performer: [{ reference: 'Practitioner/dr-1' }] };
    expect(literalReferences([observation])).toEqual([{ resourceType: 'Practitioner', id: 'dr-1' }]);
    const [outcome] = plan(transaction({ resource: observation, request: { method: 'POST', url: 'Observation' } }), knownByClient(stored(1)));
    expect(outcome.kind === 'write' && outcome.resource['performer']).toEqual([{ reference: 'Practitioner/L-1' }]);
  });
});

describe('parseRequests', () => {
  it.each<[string, unknown, number]>([
    ['GET entries are not supported (405)', { request: { method: 'GET', url: 'Patient/1' } }, 405],
    ['PATCH entries are not supported (405)', { resource: practitioner, request: { method: 'PATCH', url: 'Practitioner/dr-1' } }, 405],
    ['conditional updates are not supported (400)', { resource: practitioner, request: { method: 'PUT', url: 'Practitioner?identifier=a|b' } }, 400],
    [
      'ifNoneExist other than identifier is not supported (400)',
      { resource: practitioner, request: { method: 'POST', url: 'Practitioner', ifNoneExist: 'name=Doe' } },
      400,
    ],
    ['a PUT whose resource id differs from its url (400)', { resource: practitioner, request: { method: 'PUT', url: 'Practitioner/dr-2' } }, 400],
    ['a POST to another type (400)', { resource: practitioner, request: { method: 'POST', url: 'Patient' } }, 400],
    ['a malformed ifMatch (400)', { resource: practitioner, request: { method: 'PUT', url: 'Practitioner/dr-1', ifMatch: '1' } }, 400],
  ])('%s', (_case, entry, status) => {
    const { requests, refused } = parseRequests(transaction(entry));
    expect(requests).toEqual([]);
    expect(refused.map((refusal) => refusal.status)).toEqual([status]);
    expect(JSON.stringify(refused)).not.toContain('dr-');
  });
});

describe('danglingReferences', () => {
  const observation = (...references: string[]): FhirResource => ({
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'x' },
    performer: references.map((reference) => ({ reference })),
  });
  const knownPatient: KnownResources = {
    ...none,
    byClientRef: new Map([['c:Patient/pt-1', { ...stored(1), resourceType: 'Patient', logicalId: 'P-9' }]]),
  };
  const post = (resource: FhirResource, fullUrl?: string) => ({
    ...(fullUrl && { fullUrl }),
    resource,
    request: { method: 'POST', url: resource.resourceType },
  });

  it.each<[string, FhirResource, KnownResources, number]>([
    [
      'a reference to an entry of the same submission (urn:uuid) resolves',
      transaction(post(encounter), post(practitioner, 'urn:uuid:11111111-1111-4111-8111-111111111111')),
      knownPatient,
      0,
    ],
    ['a reference to a resource sent earlier (client id) resolves', transaction(post(observation('Patient/pt-1'))), knownPatient, 0],
    ['absolute URLs and contained references are not counted', transaction(post(observation('https://elsewhere.example/fhir/Patient/1', '#p1'))), none, 0],
    ['a client id never sent dangles', transaction(post(encounter), post(practitioner, 'urn:uuid:11111111-1111-4111-8111-111111111111')), none, 1],
    ['a urn:uuid that names no entry dangles', transaction(post(observation('urn:uuid:33333333-3333-4333-8333-333333333333'))), none, 1],
    ['each dangling reference counts', transaction(post(observation('Patient/never', 'Practitioner/never', 'Patient/pt-1'))), knownPatient, 2],
  ])('%s', (_, bundle, known, expected) => {
    const { requests } = parseRequests(bundle);
    const outcomes = plan(bundle, known);
    expect(requests.length).toBe(outcomes.length);
    expect(danglingReferences(outcomes, known)).toBe(expected);
  });
});
