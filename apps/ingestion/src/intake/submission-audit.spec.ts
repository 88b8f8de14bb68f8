// Given a submission's answer, then the audit fact: resources stored, entries refused, issue codes counted.
import { validateEvent, topics } from '@medshare/contracts';
import { submissionAudit } from './submission-audit';

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
});
