// Given an institution's submissions per hour, when its last complete hour is judged, then a drop against the same
// hour of the days before raises one volume-drop alert, and nothing else does.
import { assessVolume, baselineHours, hourToJudge, type VolumeLimits } from './volume-drop';

const limits: VolumeLimits = { factor: 0.3, minSubmissions: 10, days: 14, graceMs: 5 * 60_000 };
const hour = Date.parse('2026-12-06T10:00:00Z');
const steady = (count: number) => Array.from({ length: 14 }, () => count);

describe('volume drop', () => {
  it.each<[string, number, number[], boolean]>([
    ['fires: a feed that stopped (0 against a usual 40)', 0, steady(40), true],
    ['fires: a feed at a fifth of its usual hour', 8, steady(40), true],
    ['does not fire: a usual hour', 38, steady(40), false],
    ['does not fire: at the threshold (factor × median)', 12, steady(40), false],
    ['does not fire: a quiet hour (median under the minimum)', 0, steady(9), false],
    ['does not fire: a new institution (most baseline days empty)', 0, [40, 40, 40, ...Array.from({ length: 11 }, () => 0)], false],
    ['fires: one unusual day in the baseline does not move the median', 5, [400, ...steady(40).slice(1)], true],
  ])('%s', (_, count, baseline, fires) => {
    expect(assessVolume('hosp-a', hour, count, baseline, limits) !== undefined).toBe(fires);
  });

  it('names the institution and hour once, whoever judges it', () => {
    const first = assessVolume('hosp-a', hour, 0, steady(40), limits);
    expect(assessVolume('hosp-a', hour, 2, steady(40), limits)?.alertId).toBe(first?.alertId);
    expect(first?.alertId).toMatch(/^volume-drop-[0-9a-f]{40}$/);
    expect(first?.alertId).not.toBe(assessVolume('hosp-b', hour, 0, steady(40), limits)?.alertId);
    expect(first?.details).toMatchObject({ hour: '2026-12-06T10:00:00.000Z', submissions: 0, baselineMedian: 40 });
  });

  it('judges the last hour that ended a grace period ago, against the same hour of the days before', () => {
    expect(new Date(hourToJudge(Date.parse('2026-12-06T11:04:00Z'), limits.graceMs)).toISOString()).toBe('2026-12-06T09:00:00.000Z');
    expect(new Date(hourToJudge(Date.parse('2026-12-06T11:05:00Z'), limits.graceMs)).toISOString()).toBe('2026-12-06T10:00:00.000Z');
    expect(baselineHours(hour, 2).map((at) => new Date(at).toISOString())).toEqual(['2026-12-05T10:00:00.000Z', '2026-12-04T10:00:00.000Z']);
  });
});
