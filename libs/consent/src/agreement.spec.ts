// Agreement intake and the holder→reader lookup decisions rely on.
import { AgreementIndex, parseAgreement } from './agreement';

const valid = {
  id: 'ag-1',
  holder: 'hosp-a',
  reader: 'hosp-b',
  purposes: ['TREAT', 'ETREAT'],
  period: { start: '2025-01-01', end: '2025-12' },
  status: 'active',
};
const ms = (iso: string) => Date.parse(iso);

function deeplyNested(depth: number): unknown {
  let value: unknown = {};
  for (let level = 1; level < depth; level++) value = { a: [value] };
  return value;
}

describe('parseAgreement', () => {
  it.each([
    ['an unknown element (named by its parent only: invented names are not echoed)', { ...valid, scope: 'all' }, 'structure', 'Agreement'],
    ['JSON nested 3,000 deep (refused before any recursive walk)', { ...valid, purposes: deeplyNested(3_000) }, 'structure', 'Agreement'],
    ['a purpose outside the request purposes', { ...valid, purposes: ['CLINTRCH'] }, 'code-invalid', 'Agreement.purposes[0]'],
    ['a wrong-case purpose', { ...valid, purposes: ['treat'] }, 'code-invalid', 'Agreement.purposes[0]'],
    ['no purposes', { ...valid, purposes: [] }, 'value', 'Agreement.purposes'],
    ['an open period', { ...valid, period: { start: '2025-01-01' } }, 'required', 'Agreement.period.end'],
    ['a time without offset', { ...valid, period: { start: '2025-01-01T00:00:00', end: '2025-12' } }, 'value', 'Agreement.period.start'],
    ['a period ending before it starts', { ...valid, period: { start: '2026', end: '2025' } }, 'invariant', 'Agreement.period'],
    ['holder and reader the same', { ...valid, reader: 'hosp-a' }, 'invariant', 'Agreement.reader'],
    ['an unknown status', { ...valid, status: 'suspended' }, 'code-invalid', 'Agreement.status'],
  ])('rejects %s', (_name, json, code, expression) => {
    const result = parseAgreement(json);
    expect(result.ok ? [] : result.issues).toContainEqual(expect.objectContaining({ code, expression: [expression] }));
  });
});

describe('AgreementIndex.allows', () => {
  const parsed = parseAgreement(valid);
  if (!parsed.ok) throw new Error('fixture must parse');
  const index = new AgreementIndex();
  index.put(parsed.agreement);
  it.each([
    ['the first instant of the period (inclusive start)', 'hosp-a', 'hosp-b', 'TREAT', '2025-01-01T00:00:00Z', true],
    ['the last millisecond of the end month (partial end covers the month)', 'hosp-a', 'hosp-b', 'TREAT', '2025-12-31T23:59:59.999Z', true],
    ['after the period', 'hosp-a', 'hosp-b', 'TREAT', '2026-01-01T00:00:00Z', false],
    ['a purpose the agreement does not list', 'hosp-a', 'hosp-b', 'HPAYMT', '2025-06-01T00:00:00Z', false],
    ['the reverse direction', 'hosp-b', 'hosp-a', 'TREAT', '2025-06-01T00:00:00Z', false],
  ] as const)('%s', (_name, holder, reader, purpose, now, allowed) => {
    expect(index.allows(holder, reader, purpose, ms(now))).toBe(allowed);
  });

  it('a revocation replaces the agreement with the same id', () => {
    const revoked = parseAgreement({ ...valid, status: 'revoked' });
    if (!revoked.ok) throw new Error('fixture must parse');
    const local = new AgreementIndex();
    local.put(parsed.agreement);
    local.put(revoked.agreement);
    expect(local.allows('hosp-a', 'hosp-b', 'TREAT', ms('2025-06-01T00:00:00Z'))).toBe(false);
  });
});
