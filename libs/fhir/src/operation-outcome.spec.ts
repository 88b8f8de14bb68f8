import { operationOutcome } from './operation-outcome';

describe('operationOutcome', () => {
  it('wraps issues as they are', () => {
    const issue = { severity: 'error' as const, code: 'structure', details: { text: 'bad' }, expression: ['Patient.x'] };
    expect(operationOutcome([issue])).toEqual({ resourceType: 'OperationOutcome', issue: [issue] });
  });

  it('turns no issues into the single informational issue R4 requires', () => {
    expect(operationOutcome([]).issue).toEqual([{ severity: 'information', code: 'informational', details: { text: 'All OK' } }]);
  });
});
