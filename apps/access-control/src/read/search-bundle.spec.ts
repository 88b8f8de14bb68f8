// The searchset answer: matches, and an outcome entry only when something was withheld or changed.
import { searchsetBundle } from './search-bundle';

describe('searchsetBundle', () => {
  const observation = { resourceType: 'Observation', id: 'o-1' };

  it('lists released records as matches and withheld types in an outcome entry', () => {
    const bundle = searchsetBundle('d-1', [observation], ['Condition', 'MedicationRequest']);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', id: 'd-1', type: 'searchset', total: 1 });
    expect(bundle.entry?.map((entry) => (entry as { search: { mode: string } }).search.mode)).toEqual(['match', 'outcome']);
    expect(JSON.stringify(bundle.entry?.[1])).toContain('withheld resource types: Condition, MedicationRequest');
  });

  it('has no outcome entry when nothing was withheld', () => {
    expect(searchsetBundle('d-2', [observation], []).entry).toHaveLength(1);
  });

  it('answers an empty searchset when nothing was released', () => {
    expect(searchsetBundle('d-3', [], [])).toEqual({ resourceType: 'Bundle', id: 'd-3', type: 'searchset', total: 0 });
  });

  it('adds the reference resources the matches name as include entries, outside the total', () => {
    const bundle = searchsetBundle('d-4', [observation], [], [], [{ resourceType: 'Practitioner', id: 'pr-1' }]);
    expect(bundle.total).toBe(1);
    expect(bundle.entry?.map((entry) => (entry as { search: { mode: string } }).search.mode)).toEqual(['match', 'include']);
  });
});
