// Request validation: what is a 400 before any decision is made.
import { parseAccessRequest } from './access-request';

const valid = {
  requester: { institution: 'hosp-b', practitioner: 'dr-b', role: 'physician' },
  patient: 'pt-1', holders: ['hosp-a'], purpose: 'TREAT', resourceTypes: ['Observation'], now: '2025-06-15T10:00:00Z',
};

describe('parseAccessRequest', () => {
  it.each([
    ['a purpose outside the six accepted', { ...valid, purpose: 'CLINTRCH' }, 'code-invalid', 'AccessRequest.purpose'],
    ['a wrong-case purpose', { ...valid, purpose: 'treat' }, 'code-invalid', 'AccessRequest.purpose'],
    ['a misspelt resource type', { ...valid, resourceTypes: ['Observations'] }, 'code-invalid', 'AccessRequest.resourceTypes[0]'],
    ['a wrong-case resource type', { ...valid, resourceTypes: ['observation'] }, 'code-invalid', 'AccessRequest.resourceTypes[0]'],
    ['no resource types', { ...valid, resourceTypes: [] }, 'value', 'AccessRequest.resourceTypes'],
    ['an unknown role', { ...valid, requester: { ...valid.requester, role: 'surgeon' } }, 'code-invalid', 'AccessRequest.requester.role'],
    ['a now without offset', { ...valid, now: '2025-06-15T10:00:00' }, 'value', 'AccessRequest.now'],
    ['a now that is only a date', { ...valid, now: '2025-06-15' }, 'value', 'AccessRequest.now'],
    ['an unknown element', { ...valid, asOf: '2024-01-01' }, 'structure', 'AccessRequest.asOf'],
  ])('rejects %s', (_name, json, code, expression) => {
    const result = parseAccessRequest(json);
    expect(result.ok ? [] : result.issues).toContainEqual(expect.objectContaining({ code, expression: [expression] }));
  });

  it.each([
    ['a blank reason, which decide refuses for break-glass', { ...valid, purpose: 'ETREAT', reason: ' ' }],
    ['no holders yet', { ...valid, holders: [] }],
  ])('accepts %s', (_name, json) => {
    expect(parseAccessRequest(json).ok).toBe(true);
  });
});
