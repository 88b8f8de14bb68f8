import { assessLag, groupLag } from './consumer-lag';

const limits = { threshold: 100, forMs: 60_000 };
const start = Date.parse('2026-12-06T10:00:00Z');

describe('consumer lag', () => {
  it('sums what the group has not committed, over the partitions it committed on', () => {
    expect(
      groupLag([
        { topic: 't', partition: 0, committed: 10n, end: 60n },
        { topic: 't', partition: 1, committed: 5n, end: 5n },
        { topic: 'u', partition: 0, committed: -1n, end: 900n },
      ]),
    ).toBe(50);
  });

  it.each<[string, number, number, boolean]>([
    ['fires: above the threshold for longer than allowed', 101, 60_000, true],
    ['does not fire: above the threshold, not for long enough', 5000, 59_999, false],
    ['does not fire: at the threshold', 100, 600_000, false],
  ])('%s', (_case, lag, elapsed, fires) => {
    expect(assessLag('g', lag, start, start + elapsed, limits) !== undefined).toBe(fires);
  });

  it('names one alert per group and episode', () => {
    const first = assessLag('g', 500, start, start + 60_000, limits);
    expect(assessLag('g', 900, start, start + 120_000, limits)?.alertId).toBe(first?.alertId);
    expect(assessLag('g', 500, start + 1, start + 120_000, limits)?.alertId).not.toBe(first?.alertId);
    expect(first?.details).toMatchObject({ group: 'g', lag: 500, threshold: 100, overSince: '2026-12-06T10:00:00.000Z' });
  });
});
