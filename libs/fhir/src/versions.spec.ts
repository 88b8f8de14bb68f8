import { DELETED_TAG, currentVersions, isDeletion } from './versions';

const version = (id: string, versionId: string, extra: Record<string, unknown> = {}, institution = 'hosp-a') => ({
  institution,
  resource: { resourceType: 'Observation', id, meta: { versionId, ...extra } },
});

describe('currentVersions', () => {
  it.each([
    ['the newest version of each resource stands', [version('o1', '1'), version('o1', '3'), version('o1', '2'), version('o2', '1')], ['o1@3', 'o2@1']],
    ['a resource whose newest version is a deletion is gone', [version('o1', '1'), version('o1', '2', { tag: [DELETED_TAG] })], []],
    [
      'a deletion followed by a new version shows the new version',
      [version('o1', '1'), version('o1', '2', { tag: [DELETED_TAG] }), version('o1', '3')],
      ['o1@3'],
    ],
    ["two institutions' resources with one id both stand", [version('o1', '1'), version('o1', '1', {}, 'hosp-b')], ['o1@1', 'o1@1']],
  ])('%s', (_case, records, expected) => {
    expect(currentVersions(records).map(({ resource }) => `${resource.id}@${resource.meta.versionId}`)).toEqual(expected);
  });

  it('recognises a tombstone by its tag only', () => {
    expect(isDeletion({ resourceType: 'Observation', meta: { tag: [{ ...DELETED_TAG }] } })).toBe(true);
    expect(isDeletion({ resourceType: 'Observation', meta: { tag: [{ system: DELETED_TAG.system, code: 'other' }] } })).toBe(false);
  });
});
