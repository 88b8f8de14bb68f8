// Request validation: what is a 400 before any decision is made.
import { parseAccessRequest } from './access-request';

const valid = {
  requester: { institution: 'hosp-b', practitioner: 'dr-b', role: 'physician' },
  patient: 'pt-1',
  holders: ['hosp-a'],
  purpose: 'TREAT',
  resourceTypes: ['Observation'],
  now: '2025-06-15T10:00:00Z',
};

/** `[[[...]]]` `depth` levels deep, built without recursion. */
function nested(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let level = 1; level < depth; level++) value = [value];
  return value;
}

describe('parseAccessRequest', () => {
  it.each([
    ['a purpose outside the six accepted', { ...valid, purpose: 'CLINTRCH' }, 'code-invalid', 'AccessRequest.purpose'],
    ['a wrong-case purpose', { ...valid, purpose: 'treat' }, 'code-invalid', 'AccessRequest.purpose'],
    ['a misspelt resource type', { ...valid, resourceTypes: ['Observations'] }, 'code-invalid', 'AccessRequest.resourceTypes[0]'],
    ['a wrong-case resource type', { ...valid, resourceTypes: ['observation'] }, 'code-invalid', 'AccessRequest.resourceTypes[0]'],
    ['an unknown role', { ...valid, requester: { ...valid.requester, role: 'surgeon' } }, 'code-invalid', 'AccessRequest.requester.role'],
    ['a now without offset', { ...valid, now: '2025-06-15T10:00:00' }, 'value', 'AccessRequest.now'],
    ['a now that is only a date', { ...valid, now: '2025-06-15' }, 'value', 'AccessRequest.now'],
    ['an unknown element (named by its parent only: invented names are not echoed)', { ...valid, asOf: '2024-01-01' }, 'structure', 'AccessRequest'],
    ['nesting deeper than any request', { ...valid, resourceTypes: nested(3_000) }, 'structure', 'AccessRequest'],
  ])('rejects %s', (_name, json, code, expression) => {
    const result = parseAccessRequest(json);
    expect(result.ok ? [] : result.issues).toContainEqual(expect.objectContaining({ code, expression: [expression] }));
  });

  it.each([
    ['a blank reason, which decide refuses for break-glass', { ...valid, purpose: 'ETREAT', reason: ' ' }],
    ['no holders yet', { ...valid, holders: [] }],
    [
      'a patient nobody holds: no holders and no resource types (answered like any patient out of reach, not a 400)',
      { ...valid, holders: [], resourceTypes: [] },
    ],
  ])('accepts %s', (_name, json) => {
    expect(parseAccessRequest(json).ok).toBe(true);
  });
});
