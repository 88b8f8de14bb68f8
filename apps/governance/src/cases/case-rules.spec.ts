// Given alerts and handling steps, then the cases they form: grouping, severity, due time, risk and transitions.
import {
  canTransition,
  caseKeyOf,
  emptyCase,
  isOverdue,
  riskScoreOf,
  withAlert,
  withChange,
  type CaseAlert,
  type CaseLimits,
  type CaseState,
} from './case-rules';

const HOUR = 3_600_000;
const limits: CaseLimits = { windowMs: 24 * HOUR, breakGlassReviewMs: 2 * HOUR, dueMs: { critical: 4 * HOUR, warning: 24 * HOUR, info: 72 * HOUR } };
const patient = 'p-aaaaaaaaaaaaaaaaaaaaaaaaaa';
const alert = (overrides: Partial<CaseAlert> = {}, details: CaseAlert['details'] = { practitioner: 'pr-one', patient }): CaseAlert => ({
  alertId: `a-${Math.random()}`,
  kind: 'coworker-access',
  severity: 'warning',
  institution: 'hosp-a',
  details,
  raisedAt: '2026-01-06T10:00:00.000Z',
  ...overrides,
});

describe('which case an alert joins', () => {
  it.each<[string, CaseAlert, CaseAlert, boolean]>([
    ['same practitioner, patient and day', alert(), alert({ kind: 'off-hours', raisedAt: '2026-01-06T22:00:00.000Z' }), true],
    ['another patient', alert(), alert({}, { practitioner: 'pr-one', patient: 'p-bbbbbbbbbbbbbbbbbbbbbbbbbb' }), false],
    ['another practitioner', alert(), alert({}, { practitioner: 'pr-two', patient }), false],
    ['another day', alert(), alert({ raisedAt: '2026-01-07T10:00:00.000Z' }), false],
    ['another institution', alert(), alert({ institution: 'hosp-b' }), false],
  ])('%s: together = %s', (_name, first, second, together) => {
    expect(caseKeyOf(first, limits)!.caseId === caseKeyOf(second, limits)!.caseId).toBe(together);
  });

  it.each<[string, CaseAlert]>([
    ['a platform alert (no practitioner)', alert({ kind: 'ledger-tamper' }, { replica: 2 })],
    ['an alert without institution', alert({ institution: null })],
    ['a practitioner the audit contract refuses (over 64 characters)', alert({}, { practitioner: 'x'.repeat(65), patient })],
  ])('%s opens no case', (_name, platformAlert) => {
    expect(caseKeyOf(platformAlert, limits)).toBeUndefined();
  });

  // Alert details are free-form: a patient value that is no pseudonym must not reach the case and audit events,
  // whose contracts refuse it (every replay of the alerts topic would stall on it).
  it.each(['p-x', 'Jane Doe', ''])('a patient detail that is no pseudonym (%j) leaves the case without a patient', (value) => {
    const key = caseKeyOf(alert({}, { practitioner: 'pr-one', patient: value }), limits);
    expect(key).toMatchObject({ practitioner: 'pr-one', patient: null });
    expect(caseKeyOf(alert(), limits)).toMatchObject({ patient });
  });
});

describe('a case built from alerts', () => {
  const build = (alerts: CaseAlert[]) =>
    alerts.reduce((record, next) => withAlert(record, caseKeyOf(next, limits)!, next, limits), emptyCase(caseKeyOf(alerts[0], limits)!.caseId, 'hosp-a', 0));

  it('takes the highest severity, the earliest due time and every kind', () => {
    const record = build([
      alert({ kind: 'off-hours', severity: 'info' }),
      alert({ kind: 'self-access', severity: 'critical', raisedAt: '2026-01-06T11:00:00.000Z' }),
    ]);
    expect(record).toMatchObject({
      kinds: ['off-hours', 'self-access'],
      severity: 'critical',
      alertCount: 2,
      state: 'open',
      dueAt: Date.parse('2026-01-06T15:00:00.000Z'),
      openedAt: Date.parse('2026-01-06T10:00:00.000Z'),
    });
  });

  it('queues a break-glass use as an info review item due within the review time', () => {
    const record = build([alert({ kind: 'break-glass', severity: 'critical' })]);
    expect(record).toMatchObject({ severity: 'info', dueAt: Date.parse('2026-01-06T12:00:00.000Z') });
  });

  it('escalation raises severity and risk; acknowledging keeps both and stops further escalation', () => {
    const record = build([alert({ kind: 'break-glass', severity: 'critical' })]);
    const escalated = withChange(record, { action: 'escalated', state: 'open' }, Date.parse('2026-01-06T13:00:00.000Z'));
    expect(escalated).toMatchObject({ severity: 'critical', riskScore: record.riskScore + 10 });
    expect(isOverdue(escalated.state, escalated.dueAt, escalated.escalatedAt !== null, Date.parse('2026-01-07T00:00:00.000Z'))).toBe(false);
    const acknowledged = withChange(record, { action: 'state-changed', state: 'acknowledged' }, Date.parse('2026-01-06T11:00:00.000Z'));
    expect(isOverdue(acknowledged.state, acknowledged.dueAt, false, Date.parse('2026-01-07T00:00:00.000Z'))).toBe(false);
    expect(isOverdue(record.state, record.dueAt, false, Date.parse('2026-01-07T00:00:00.000Z'))).toBe(true);
    expect(isOverdue(record.state, record.dueAt, false, Date.parse('2026-01-06T11:59:00.000Z'))).toBe(false);
  });
});

describe('risk score', () => {
  it.each<[string, string[], number, boolean, number]>([
    ['a lone off-hours finding is low', ['off-hours'], 1, false, 10],
    ['self-access with household is high', ['household-access', 'self-access'], 2, false, 100],
    ['repetition adds 5 per extra alert', ['coworker-access'], 3, false, 40],
    ['escalation adds 10', ['break-glass'], 1, true, 20],
    ['never above 100', ['self-access', 'role-revoked', 'vip-access'], 9, true, 100],
  ])('%s', (_name, kinds, count, escalated, expected) => {
    expect(riskScoreOf(kinds, count, escalated)).toBe(expected);
  });
});

describe('transitions', () => {
  it.each<[CaseState, CaseState, boolean]>([
    ['open', 'acknowledged', true],
    ['open', 'closed-false-positive', true],
    ['acknowledged', 'investigating', true],
    ['acknowledged', 'open', false],
    ['investigating', 'closed-violation', true],
    ['investigating', 'acknowledged', false],
    ['closed-justified', 'investigating', true],
    ['closed-justified', 'open', false],
    ['closed-violation', 'closed-justified', false],
  ])('%s → %s allowed: %s', (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });
});
