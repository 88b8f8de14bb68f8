// Given a submission's answer, then the audit fact: resources stored, entries refused, issue codes counted.
import { validateEvent, topics } from '@medshare/contracts';
import type { FhirResource } from '@medshare/fhir';
import { submissionAudit, timelinessOf } from './submission-audit';

describe('submission audit', () => {
  it.each([
    ['all stored', 202, 3, [{ status: 201 }, { status: 201 }], { accepted: 3, refused: 0, issues: [] }],
    [
      'a batch with refused entries',
      202,
      1,
      [{ status: 201 }, { status: 400, issues: [{ code: 'required' }, { code: 'value' }] }, { status: 422, issues: [{ code: 'required' }] }],
      {
        accepted: 1,
        refused: 2,
        issues: [
          { code: 'required', count: 2 },
          { code: 'value', count: 1 },
        ],
      },
    ],
    ['refused as a whole', 400, 0, [{ status: 400, issues: [{ code: 'structure' }] }], { accepted: 0, refused: 1, issues: [{ code: 'structure', count: 1 }] }],
  ])('%s', (_, status, stored, entries, expected) => {
    const event = submissionAudit('hosp-a', 'req-1', status, stored, entries);
    expect(event.data).toEqual({ submissionId: 'req-1', institution: 'hosp-a', status, ...expected });
    expect(validateEvent(event, topics.auditSubmissions.name).ok).toBe(true);
  });

  it('carries the data-quality figures when given, and validates', () => {
    const event = submissionAudit('hosp-a', 'req-2', 202, 2, [{ status: 201 }, { status: 201 }], {
      timeliness: { resources: 2, sumSeconds: 90, maxSeconds: 60 },
      danglingReferences: 1,
    });
    expect(event.data).toMatchObject({ timeliness: { resources: 2, sumSeconds: 90, maxSeconds: 60 }, danglingReferences: 1 });
    expect(validateEvent(event, topics.auditSubmissions.name).ok).toBe(true);
    expect(Object.keys(submissionAudit('hosp-a', 'req-3', 202, 0, []).data)).not.toContain('timeliness');
  });
});

describe('timelinessOf', () => {
  const received = Date.parse('2026-12-06T12:00:00Z');
  const observation = (effectiveDateTime: string): FhirResource => ({ resourceType: 'Observation', effectiveDateTime });
  it.each<[string, FhirResource[], ReturnType<typeof timelinessOf>]>([
    [
      'seconds from each clinical date to receipt, summed and the largest',
      [observation('2026-12-06T11:59:00Z'), observation('2026-12-06T11:00:00Z')],
      { resources: 2, sumSeconds: 3660, maxSeconds: 3600 },
    ],
    [
      'a date without time is its UTC midnight; a period its start',
      [observation('2026-12-06'), { resourceType: 'Encounter', period: { start: '2026-12-05T12:00:00Z' } }],
      { resources: 2, sumSeconds: 43200 + 86400, maxSeconds: 86400 },
    ],
    ['a clinical date after receipt counts 0', [observation('2026-12-07T00:00:00Z')], { resources: 1, sumSeconds: 0, maxSeconds: 0 }],
    ['resources without a clinical date are not counted', [{ resourceType: 'Patient' }, observation('not a date')], undefined],
  ])('%s', (_, resources, expected) => {
    expect(timelinessOf(resources, received)).toEqual(expected);
  });
});
