// The two error shapes, given a coded error: what each carries, and that a long list of issues is capped.
import { CodedError, type ErrorTable } from './coded-error';
import { MAX_ISSUES, operationOutcomeOf, problemOf } from './error-renderer';

type Code = 'invalid' | 'gone';
const TABLE: ErrorTable<Code> = { invalid: { status: 422, issueType: 'invalid' }, gone: { status: 410, issueType: 'deleted' } };

describe('the error renderer', () => {
  it('takes status and issue type from the module table', () => {
    expect(new CodedError(TABLE, 'gone', 'erased')).toMatchObject({ status: 410, issueType: 'deleted', code: 'gone', message: 'erased' });
  });

  it('renders an OperationOutcome with the finer issue type and paths of each detail', () => {
    const error = new CodedError(TABLE, 'invalid', [
      { text: 'required', expression: 'Consent.status', issueType: 'required' },
      { text: 'unknown element', severity: 'warning' },
    ]);
    expect(operationOutcomeOf(error)).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'required', details: { text: 'required' }, expression: ['Consent.status'] },
        { severity: 'warning', code: 'invalid', details: { text: 'unknown element' } },
      ],
    });
  });

  it('renders RFC 9457 problem details, listing the details only when they say where', () => {
    expect(problemOf(new CodedError(TABLE, 'gone', 'erased'))).toEqual({
      type: 'urn:medshare:problem:gone',
      title: 'Gone',
      status: 410,
      code: 'gone',
      detail: 'erased',
    });
    expect(problemOf(new CodedError(TABLE, 'invalid', [{ text: 'must be a number', expression: 'limit' }]))).toMatchObject({
      detail: 'must be a number',
      errors: [{ detail: 'must be a number', expression: ['limit'] }],
    });
  });

  it(`caps an answer at ${MAX_ISSUES} issues and says how many more there were`, () => {
    const error = new CodedError(
      TABLE,
      'invalid',
      Array.from({ length: MAX_ISSUES + 50 }, (_, i) => ({ text: `issue ${i}` })),
    );
    const outcome = operationOutcomeOf(error) as { issue: { details: { text: string } }[] };
    expect(outcome.issue).toHaveLength(MAX_ISSUES + 1);
    expect(outcome.issue[MAX_ISSUES].details.text).toBe('50 more issues not listed');
    expect(problemOf(error)).toMatchObject({ moreErrors: 50 });
  });
});
