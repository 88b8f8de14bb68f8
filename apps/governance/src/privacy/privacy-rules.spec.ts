// Given accesses (and what the monitor knows about the people in them), when the privacy rules judge them, then
// exactly these alerts fire. Each rule has scenarios that must fire and scenarios that must not.
import type { AccessFact } from './access-fact';
import { assessRelations, assessWindow, contributionsOf, median, type Baselines, type PrivacyLimits, type RelationContext } from './privacy-rules';
import { DEFAULT_WORKING_HOURS } from './working-hours';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Tuesday 2026-01-06 10:00 UTC: working hours everywhere below unless a scenario moves it. */
const TUESDAY_10 = Date.parse('2026-01-06T10:00:00Z');

const limits: PrivacyLimits = {
  volume: { windowMs: HOUR, threshold: 20 },
  baseline: { factor: 3, minPatients: 6, days: 14, minWindows: 3 },
  peers: { factor: 4, minPatients: 6, minPeers: 2 },
  offHours: { threshold: 2 },
  practitionerDenials: { windowMs: HOUR, threshold: 3 },
  deniedSpike: { windowMs: HOUR, threshold: 5 },
  research: { windowMs: HOUR, threshold: 4 },
  careDays: 30,
  vipLabels: ['CELEB', 'VIP', 'EMP'],
  workingHours: (institution) =>
    institution === 'hosp-berlin' ? { timeZone: 'Europe/Berlin', start: 8, end: 18, days: [1, 2, 3, 4, 5] } : DEFAULT_WORKING_HOURS,
};

let sequence = 0;
function access(overrides: Partial<AccessFact> = {}): AccessFact {
  sequence += 1;
  return {
    id: `e-${sequence}`,
    correlationid: `c-${sequence}`,
    at: TUESDAY_10,
    institution: 'hosp-a',
    practitioner: 'pr-one',
    role: 'nurse',
    patient: `p-${sequence}`,
    purpose: 'TREAT',
    permitted: true,
    breakGlass: false,
    ...overrides,
  };
}
const readAgain = (facts: AccessFact[]) => [...facts, access({ patient: facts[0].patient })];
const accesses = (count: number, overrides: Partial<AccessFact> = {}) =>
  Array.from({ length: count }, (_, n) => access({ at: TUESDAY_10 + n * 1000, ...overrides }));

/** Counts distinct items per window as the repository does, then asks the rule about every window touched. */
function windowAlerts(facts: readonly AccessFact[], baselines?: Baselines): string[] {
  const windows = new Map<string, { items: Set<string>; trigger: AccessFact; counter: string; key: string; bucket: number }>();
  for (const fact of facts) {
    for (const { counter, key, bucket, item } of contributionsOf(fact, limits)) {
      const id = `${counter}\n${key}\n${bucket}`;
      const window = windows.get(id) ?? { items: new Set<string>(), trigger: fact, counter, key, bucket };
      window.items.add(item);
      window.trigger = fact;
      windows.set(id, window);
    }
  }
  return [...windows.values()].flatMap((window) =>
    assessWindow(
      { counter: window.counter as never, key: window.key, bucket: window.bucket, count: window.items.size, trigger: window.trigger },
      limits,
      window.counter === 'patients' ? baselines : undefined,
    ).map((finding) => finding.kind),
  );
}

describe('window rules', () => {
  const quietBaseline: Baselines = { own: [4, 5, 6, 5], peers: [3, 4, 5, 4, 6], peerCount: 3 };
  it.each<[string, AccessFact[], Baselines | undefined, string[]]>([
    ['access-volume fires above the absolute limit', accesses(21), undefined, ['access-volume']],
    ['access-volume stays silent at the limit', accesses(20), undefined, []],
    ['access-volume counts a patient read twice once', readAgain(accesses(20)), undefined, []],
    ['access-volume keeps practitioners apart', [...accesses(15), ...accesses(15, { practitioner: 'pr-two' })], undefined, []],
    ['access-volume keeps hours apart', [...accesses(15), ...accesses(15, { at: TUESDAY_10 + HOUR })], undefined, []],
    ['access-baseline fires at more than 3× the own median', accesses(16), { own: [4, 5, 5], peers: [], peerCount: 0 }, ['access-baseline']],
    ['access-baseline stays silent at 3× the own median', accesses(15), { own: [5, 5, 5], peers: [], peerCount: 0 }, []],
    ['access-baseline needs enough history', accesses(16), { own: [4, 5], peers: [], peerCount: 0 }, []],
    ['access-baseline ignores busy hours below the floor', accesses(5), { own: [1, 1, 1], peers: [], peerCount: 0 }, []],
    ['access-peers fires at more than 4× the peers median', accesses(17), { own: [], peers: [4, 4, 4], peerCount: 2 }, ['access-peers']],
    ['access-peers stays silent at 4× the peers median', accesses(16), { own: [], peers: [4, 4, 4], peerCount: 2 }, []],
    ['access-peers needs enough peers', accesses(17), { own: [], peers: [4, 4, 4], peerCount: 1 }, []],
    ['a normal hour against a normal history raises nothing', accesses(6), quietBaseline, []],
  ])('%s', (_name, facts, baselines, expected) => {
    expect(windowAlerts(facts, baselines)).toEqual(expected);
  });

  it.each<[string, AccessFact[], string[]]>([
    ['off-hours fires for reads on a Saturday', accesses(3, { at: Date.parse('2026-01-10T10:00:00Z') }), ['off-hours']],
    ['off-hours fires for reads at night', accesses(3, { at: Date.parse('2026-01-06T23:00:00Z') }), ['off-hours']],
    ['off-hours stays silent in working hours', accesses(3), []],
    ['off-hours stays silent at the limit', accesses(2, { at: Date.parse('2026-01-10T10:00:00Z') }), []],
    // 07:30 UTC in January is 08:30 in Berlin: working time there, not in UTC.
    ['off-hours uses the institution time zone (in hours there)', accesses(3, { institution: 'hosp-berlin', at: Date.parse('2026-01-06T07:30:00Z') }), []],
    [
      'off-hours uses the institution time zone (off hours there)',
      accesses(3, { institution: 'hosp-berlin', at: Date.parse('2026-01-06T17:30:00Z') }),
      ['off-hours'],
    ],
    ['off-hours leaves break-glass to its review queue', accesses(3, { at: Date.parse('2026-01-10T10:00:00Z'), breakGlass: true }), []],
    ['off-hours ignores denied requests', accesses(3, { at: Date.parse('2026-01-10T10:00:00Z'), permitted: false }), []],
    ['practitioner-denials fires on repeated denials of one practitioner', accesses(4, { permitted: false }), ['practitioner-denials']],
    ['practitioner-denials stays silent at the limit', accesses(3, { permitted: false }), []],
    [
      'practitioner-denials keeps practitioners apart',
      [...accesses(3, { permitted: false }), ...accesses(3, { permitted: false, practitioner: 'pr-two' })],
      ['denied-spike'],
    ],
    [
      'denied-spike fires on an institution-wide burst',
      [...accesses(3, { permitted: false }), ...accesses(3, { permitted: false, practitioner: 'pr-two' })],
      ['denied-spike'],
    ],
    ['research-burst fires on many research reads', accesses(5, { purpose: 'HRESCH' }), ['research-burst']],
    ['research-burst stays silent at the limit', accesses(4, { purpose: 'HRESCH' }), []],
    ['research-burst ignores treatment reads', accesses(5), []],
  ])('%s', (_name, facts, expected) => {
    expect(windowAlerts(facts)).toEqual(expected);
  });

  it('derives the alert id from rule and window, not from the trigger: instances agree whichever event tips it', () => {
    const facts = accesses(21);
    const first = windowAlertIds(facts);
    expect(first).toHaveLength(1);
    expect(windowAlertIds([...facts].reverse())).toEqual(first);
  });
});

function windowAlertIds(facts: readonly AccessFact[]): string[] {
  const byWindow = new Map<string, { count: Set<string>; trigger: AccessFact; bucket: number; key: string }>();
  for (const fact of facts) {
    const [patients] = contributionsOf(fact, limits);
    const window = byWindow.get(patients.key) ?? { count: new Set<string>(), trigger: fact, bucket: patients.bucket, key: patients.key };
    window.count.add(patients.item);
    window.trigger = fact;
    byWindow.set(patients.key, window);
  }
  return [...byWindow.values()].flatMap((window) =>
    assessWindow({ counter: 'patients', key: window.key, bucket: window.bucket, count: window.count.size, trigger: window.trigger }, limits).map(
      (finding) => finding.alertId,
    ),
  );
}

describe('relationship rules', () => {
  const tokens = { familyName: ['tk-family'], address: ['tk-home'] };
  const nobody: RelationContext = { staff: false, restricted: false, lastCareAt: TUESDAY_10 - DAY, roles: [] };
  const fact = (overrides: Partial<AccessFact> = {}) => access({ patient: 'p-patient', ...overrides });
  it.each<[string, AccessFact, RelationContext, string[]]>([
    [
      'nothing fires for an ordinary read',
      fact(),
      { ...nobody, practitioner: { ...tokens }, patient: { familyName: ['tk-other'], address: ['tk-elsewhere'], securityLabels: [] } },
      [],
    ],
    [
      'self-access fires on the practitioner’s own record',
      fact(),
      { ...nobody, practitioner: { ...tokens, patient: 'p-patient' }, staff: true },
      ['self-access'],
    ],
    ['self-access stays silent for another patient', fact(), { ...nobody, practitioner: { ...tokens, patient: 'p-someone-else' } }, []],
    ['coworker-access fires on a colleague’s record', fact(), { ...nobody, staff: true }, ['coworker-access']],
    [
      'household-access fires on the same address token',
      fact(),
      { ...nobody, practitioner: tokens, patient: { familyName: ['tk-other'], address: ['tk-home'], securityLabels: [] } },
      ['household-access'],
    ],
    [
      'household-access fires on the same family-name token',
      fact(),
      { ...nobody, practitioner: tokens, patient: { familyName: ['tk-family'], address: ['tk-elsewhere'], securityLabels: [] } },
      ['household-access'],
    ],
    [
      'household-access stays silent without a practitioner roster entry',
      fact(),
      { ...nobody, patient: { familyName: ['tk-family'], address: ['tk-home'], securityLabels: [] } },
      [],
    ],
    ['vip-access fires on a CELEB label', fact(), { ...nobody, patient: { familyName: [], address: [], securityLabels: ['CELEB'] } }, ['vip-access']],
    ['vip-access fires on the restricted list', fact(), { ...nobody, restricted: true }, ['vip-access']],
    ['vip-access ignores labels that do not mark a VIP', fact(), { ...nobody, patient: { familyName: [], address: [], securityLabels: ['R'] } }, []],
    ['no-care-relationship fires for TREAT without any record', fact(), { ...nobody, lastCareAt: undefined }, ['no-care-relationship']],
    [
      'no-care-relationship fires for TREAT when the last record is too old',
      fact(),
      { ...nobody, lastCareAt: TUESDAY_10 - 31 * DAY },
      ['no-care-relationship'],
    ],
    ['no-care-relationship stays silent with a recent record', fact(), nobody, []],
    ['no-care-relationship only judges TREAT', fact({ purpose: 'HRESCH' }), { ...nobody, lastCareAt: undefined }, []],
    ['no-care-relationship leaves break-glass to its review queue', fact({ breakGlass: true, purpose: 'ETREAT' }), { ...nobody, lastCareAt: undefined }, []],
    ['denied reads are not accesses', fact({ permitted: false }), { ...nobody, staff: true, restricted: true, lastCareAt: undefined }, []],
    [
      'role-revoked fires when the claimed role was replaced before the access',
      fact({ role: 'physician' }),
      {
        ...nobody,
        roles: [
          { role: 'physician', at: TUESDAY_10 - DAY },
          { role: 'admin', at: TUESDAY_10 - HOUR },
        ],
      },
      ['role-revoked'],
    ],
    [
      'role-revoked fires for a denied attempt too',
      fact({ role: 'physician', permitted: false }),
      {
        ...nobody,
        roles: [
          { role: 'physician', at: 0 },
          { role: 'admin', at: TUESDAY_10 - HOUR },
        ],
      },
      ['role-revoked'],
    ],
    [
      'role-revoked stays silent when the role is current',
      fact({ role: 'physician' }),
      {
        ...nobody,
        roles: [
          { role: 'admin', at: 0 },
          { role: 'physician', at: TUESDAY_10 - HOUR },
        ],
      },
      [],
    ],
    [
      'role-revoked stays silent when the change came after the access',
      fact({ role: 'physician' }),
      {
        ...nobody,
        roles: [
          { role: 'physician', at: 0 },
          { role: 'admin', at: TUESDAY_10 + HOUR },
        ],
      },
      [],
    ],
    ['role-revoked stays silent for a role never held', fact({ role: 'physician' }), { ...nobody, roles: [{ role: 'admin', at: 0 }] }, []],
  ])('%s', (_name, accessFact, context, expected) => {
    expect(assessRelations(accessFact, context, limits).map((finding) => finding.kind)).toEqual(expected);
  });

  it('names one alert per kind, practitioner, patient and day however often they read', () => {
    const context: RelationContext = { ...nobody, staff: true };
    const morning = assessRelations(fact({ at: TUESDAY_10 }), context, limits);
    const evening = assessRelations(fact({ at: TUESDAY_10 + 8 * HOUR }), context, limits);
    const nextDay = assessRelations(fact({ at: TUESDAY_10 + DAY }), context, limits);
    expect(evening[0].alertId).toBe(morning[0].alertId);
    expect(nextDay[0].alertId).not.toBe(morning[0].alertId);
    expect(morning[0]).toMatchObject({ practitioner: 'pr-one', patient: 'p-patient', severity: 'warning' });
  });
});

describe('median', () => {
  it.each<[number[], number]>([
    [[], 0],
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
  ])('of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});
