import { envelope } from '@medshare/contracts';
import {
  assessRate,
  assessWindow,
  dayOf,
  daysBefore,
  pathOf,
  refusalRate,
  rejectionContribution,
  resubmissions,
  type ContentFirst,
  type DayCounts,
  type QualityLimits,
} from './quality-rules';

const limits: QualityLimits = {
  timeZones: {},
  window: { windowMs: 15 * 60_000, threshold: 10 },
  rate: { factor: 2, minIncrease: 0.1, minResources: 20, days: 14, minDays: 3 },
};
const trigger = { id: 'e1', correlationid: 'c1', at: Date.parse('2026-12-06T10:00:00Z') };
const day = (d: string, accepted: number, refusedResources: number): DayCounts => ({
  day: d,
  accepted,
  refusedResources,
  refusedSubmissions: refusedResources,
  duplicates: 0,
});
/** Five ordinary days: 2 % refused. */
const usual = daysBefore('2026-12-06', 5).map((d) => day(d, 98, 2));

describe('data quality per institution and day', () => {
  it.each<[string, DayCounts, readonly DayCounts[], boolean]>([
    ['fires: 40 % refused against a usual 2 %', day('2026-12-06', 60, 40), usual, true],
    ['fires: 15 % refused against a perfect feed (0 %)', day('2026-12-06', 85, 15), daysBefore('2026-12-06', 3).map((d) => day(d, 50, 0)), true],
    ['does not fire: 5 % is within minIncrease of the usual 2 %', day('2026-12-06', 95, 5), usual, false],
    [
      'does not fire: 30 % against a usual 20 % is not twice the usual',
      day('2026-12-06', 70, 30),
      daysBefore('2026-12-06', 5).map((d) => day(d, 80, 20)),
      false,
    ],
    ['does not fire: too little volume today (10 resources)', day('2026-12-06', 5, 5), usual, false],
    ['does not fire: fewer than minDays baseline days', day('2026-12-06', 60, 40), usual.slice(0, 2), false],
    ['does not fire: baseline days below minResources do not count', day('2026-12-06', 60, 40), daysBefore('2026-12-06', 5).map((d) => day(d, 5, 0)), false],
  ])('rate against the own baseline: %s', (_case, today, baseline, fires) => {
    const finding = assessRate('hosp-a', today, baseline, limits.rate, trigger);
    expect(finding !== undefined).toBe(fires);
    if (finding) {
      expect(finding).toMatchObject({ kind: 'data-quality-rate', severity: 'warning', institution: 'hosp-a', at: trigger.at });
      expect(finding.details).toMatchObject({ day: '2026-12-06', refusalRate: refusalRate(today), windowKey: 'hosp-a@2026-12-06' });
    }
  });

  it('names one alert per institution and day, whichever batch tips it', () => {
    const first = assessRate('hosp-a', day('2026-12-06', 60, 40), usual, limits.rate, trigger);
    const later = assessRate('hosp-a', day('2026-12-06', 60, 55), usual, limits.rate, { ...trigger, id: 'e9' });
    expect(first?.alertId).toBe(later?.alertId);
    expect(assessRate('hosp-b', day('2026-12-06', 60, 40), usual, limits.rate, trigger)?.alertId).not.toBe(first?.alertId);
  });

  it.each<[string, number, boolean]>([
    ['fires above the threshold', 11, true],
    ['does not fire at the threshold', 10, false],
  ])('rejections per window: %s', (_case, rejected, fires) => {
    const finding = assessWindow(
      'hosp-a',
      Date.parse('2026-12-06T09:45:00Z'),
      rejected,
      [{ code: 'required', path: 'Patient.name', count: 7 }],
      limits.window,
      trigger,
    );
    expect(finding !== undefined).toBe(fires);
    if (finding) expect(finding.summary).toContain('required×7');
  });

  it('counts a rejection: its day, window, resources refused (entries named, else one) and issue paths without indices', () => {
    const event = envelope(
      'ingest.rejected.v1',
      'ingestion',
      {
        institution: 'hosp-a',
        requestId: 'r1',
        status: 422,
        reasons: [
          { entry: 2, code: 'required', expression: ['Bundle.entry[2].resource.subject'] },
          { entry: 5, code: 'value', expression: ['Bundle.entry[5].resource.valueQuantity.value'] },
          { entry: 5, code: 'value' },
        ],
      },
      { time: new Date('2026-12-06T09:52:10Z') },
    );
    expect(rejectionContribution(event, limits.window.windowMs)).toEqual({
      institution: 'hosp-a',
      day: '2026-12-06',
      windowStart: Date.parse('2026-12-06T09:45:00Z'),
      refusedResources: 2,
      issues: [
        { code: 'required', path: 'Bundle.entry[].resource.subject' },
        { code: 'value', path: 'Bundle.entry[].resource.valueQuantity.value' },
        { code: 'value', path: '' },
      ],
    });
    expect(pathOf('Patient.name[0].given[1]')).toBe('Patient.name[].given[]');
  });

  it.each([
    ['UTC when no zone is configured', '2026-12-06T23:30:00Z', 'UTC', '2026-12-06'],
    ['the next local day east of UTC', '2026-12-06T23:30:00Z', 'Europe/Berlin', '2026-12-07'],
    ['the previous local day west of UTC', '2026-12-06T03:00:00Z', 'America/New_York', '2026-12-05'],
  ])('counts a day in the institution time zone: %s', (_, time, zone, expected) => {
    expect(dayOf(time, zone)).toBe(expected);
    const event = envelope(
      'ingest.rejected.v1',
      'ingestion',
      { institution: 'hosp-a', requestId: 'r1', status: 400, reasons: [{ code: 'structure' }] },
      { time: new Date(time) },
    );
    expect(rejectionContribution(event, limits.window.windowMs, zone).day).toBe(expected);
  });

  it('refusal rate of an empty day is 0, and the baseline period is the days before, newest first', () => {
    expect(refusalRate({ accepted: 0, refusedResources: 0 })).toBe(0);
    expect(daysBefore('2026-03-01', 2)).toEqual(['2026-02-28', '2026-02-27']);
  });
});

describe('resubmissions', () => {
  const a = { content: 'c', recordId: 'r1', day: '2026-12-05' };
  const b = { content: 'c', recordId: 'r2', day: '2026-12-06' };
  const c = { content: 'c', recordId: 'r0', day: '2026-12-06' };
  const run = (batches: (typeof a)[][]) => {
    const stored = new Map<string, ContentFirst>();
    const days: string[] = [];
    for (const batch of batches) {
      const { firsts, duplicates } = resubmissions(stored, batch);
      for (const [content, first] of firsts) stored.set(content, first);
      days.push(...duplicates.map((duplicate) => duplicate.day));
    }
    return { first: stored.get('c')?.recordId, days: days.sort() };
  };

  it.each([
    ['earlier first, one batch', [[a, b]]],
    ['later first, one batch', [[b, a]]],
    ['earlier first, two batches (one instance after the other)', [[a], [b]]],
    ['later first, two batches: the stored first becomes the duplicate on its own day', [[b], [a]]],
  ])('%s: the 12-05 record stays first and the 12-06 one is the duplicate', (_case, batches) => {
    expect(run(batches)).toEqual({ first: 'r1', days: ['2026-12-06'] });
  });

  it('orders records of one day by record id, in any arrival order', () => {
    expect(run([[b], [c]])).toEqual({ first: 'r0', days: ['2026-12-06'] });
    expect(run([[c, b]])).toEqual({ first: 'r0', days: ['2026-12-06'] });
  });

  it('does not count a record seen again (the same record id) as a duplicate of itself', () => {
    expect(run([[a], [a]])).toEqual({ first: 'r1', days: [] });
  });

  it('keeps a first stored without a day first', () => {
    const { firsts, duplicates } = resubmissions(new Map([['c', { recordId: 'r9', day: null }]]), [a]);
    expect({ firsts: [...firsts], duplicates }).toEqual({ firsts: [], duplicates: [{ content: 'c', day: '2026-12-05' }] });
  });
});
