import { chunkBundle, lineOf, outcomeOf, refusedLinesOf, type ImportLine } from './import-chunk';

const line = (text: string | undefined, number = 7) => ({ number, start: 0, end: 0, ...(text !== undefined && { bytes: Buffer.from(text) }) });

describe('lineOf', () => {
  it.each([
    ['an id: an update by that id', '{"resourceType":"Patient","id":"p-1"}', { method: 'PUT', url: 'Patient/p-1' }],
    [
      'no id but an identifier: a conditional create',
      '{"resourceType":"Device","identifier":[{"system":"https://h.example/d","value":"D1"}]}',
      { method: 'POST', url: 'Device', ifNoneExist: 'identifier=https://h.example/d|D1' },
    ],
    ['neither: a create', '{"resourceType":"Observation","status":"final"}', { method: 'POST', url: 'Observation' }],
  ])('%s', (_name, text, request) => {
    expect(lineOf(line(text), 100)).toEqual({ line: 7, start: 0, end: 0, bytes: Buffer.from(text), request });
  });

  it.each([
    ['too long', undefined, 413, 'too-costly'],
    ['not JSON', '{"resourceType":', 400, 'structure'],
    ['an array', '[1,2]', 400, 'structure'],
    ['a Bundle', '{"resourceType":"Bundle","type":"batch"}', 400, 'structure'],
    ['no resourceType', '{"id":"secret-canary"}', 400, 'structure'],
  ])('refuses a line that is %s', (_name, text, status, code) => {
    const refused = lineOf(line(text), 100);
    expect(refused).toMatchObject({ line: 7, status, issues: [{ code }] });
    expect(JSON.stringify(refused)).not.toContain('secret-canary');
  });

  it('skips blank lines', () => {
    expect(lineOf(line('  '), 100)).toBeUndefined();
  });
});

describe('a chunk', () => {
  const lines = ['{"resourceType":"Patient","id":"a"}', '{"resourceType":"Observation", "status":"final"}'].map(
    (text, index) => lineOf(line(text, index + 10), 1000) as ImportLine,
  );

  it('is a batch Bundle whose entry i carries line i as sent', () => {
    expect(JSON.parse(chunkBundle(lines).toString())).toEqual({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'PUT', url: 'Patient/a' }, resource: { resourceType: 'Patient', id: 'a' } },
        { request: { method: 'POST', url: 'Observation' }, resource: { resourceType: 'Observation', status: 'final' } },
      ],
    });
  });

  it("maps refused entries back to their lines, and each to an OperationOutcome with paths re-rooted at the line's resource", () => {
    const issues = [
      { severity: 'error' as const, code: 'invalid', details: { text: 'Invalid code' }, expression: ['Bundle.entry[1].resource.status'] },
      { severity: 'error' as const, code: 'not-supported', expression: ['Bundle.entry[1].request.method'] },
    ];
    const refused = refusedLinesOf(lines, [
      { entry: 0, status: 201 },
      { entry: 1, status: 422, issues },
    ]);
    expect(refused).toEqual([{ line: 11, status: 422, issues }]);
    expect(outcomeOf(refused[0])).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'invalid', details: { text: 'Invalid code' }, diagnostics: 'line 11, status 422', expression: ['status'] },
        { severity: 'error', code: 'not-supported', diagnostics: 'line 11, status 422' },
      ],
    });
  });
});
