import { REWRITTEN, ReplicaBaseline, runsOf } from './replica-baseline';

const versionsOf = (entries: Record<number, string>) => new Map(Object.entries(entries).map(([height, version]) => [Number(height), version]));
const clean = versionsOf({ 0: 'a', 1: 'b', 2: 'c', 3: 'd', 4: 'e' });
const everyone = () => true;

/** A baseline that has verified heights 0..4 with the versions above, and swept nothing yet. */
function verifiedUpTo4(sweepHeights = 0): ReplicaBaseline {
  const baseline = new ReplicaBaseline(sweepHeights);
  const { heights } = baseline.plan(4, clean);
  baseline.settle(heights, clean, [], everyone);
  return baseline;
}

describe('ReplicaBaseline', () => {
  it('verifies every height the first time, then only new ones', () => {
    const baseline = new ReplicaBaseline(0);
    expect(baseline.plan(4, clean).heights).toEqual([0, 1, 2, 3, 4]);
    baseline.settle([0, 1, 2, 3, 4], clean, [], everyone);
    expect(baseline.verifiedHeight).toBe(4);
    expect(baseline.plan(6, new Map([...clean, [5, 'f'], [6, 'g']])).heights).toEqual([5, 6]);
  });

  it.each<[string, Record<number, string>, number, number[]]>([
    ['an edited row (new version)', { 0: 'a', 1: 'b', 2: 'c2', 3: 'd', 4: 'e' }, 4, [2]],
    ['a deleted block (no version)', { 0: 'a', 1: 'b', 3: 'd', 4: 'e' }, 4, [2]],
    ['a truncated tail', { 0: 'a', 1: 'b', 2: 'c' }, 2, [3, 4]],
  ])('finds the heights of %s, and only those', (_case, now, head, changed) => {
    const plan = verifiedUpTo4().plan(head, versionsOf(now));
    expect(plan.heights).toEqual(changed);
    expect([...plan.changed]).toEqual(changed);
  });

  it('does not take a height a majority does not hold, nor one with findings: both are verified again', () => {
    const baseline = new ReplicaBaseline(0);
    baseline.settle([0, 1, 2], versionsOf({ 0: 'a', 1: 'b', 2: 'c' }), [{ height: 1, problem: 'leaf hash does not match' }], (height) => height !== 2);
    expect(baseline.verifiedHeight).toBe(0);
    expect(baseline.plan(2, versionsOf({ 0: 'a', 1: 'b', 2: 'c' })).heights).toEqual([1, 2]);
  });

  it('reports a finding once while the rows stay as they are, and again when they change', () => {
    const baseline = verifiedUpTo4();
    const edited = versionsOf({ 0: 'a', 1: 'b', 2: 'c2', 3: 'd', 4: 'e' });
    const finding = { height: 2, problem: 'leaf hash does not match' };
    expect(baseline.settle([2], edited, [finding], everyone)).toEqual([finding]);
    expect(baseline.settle([2], edited, [finding], everyone)).toEqual([]);
    expect(baseline.settle([2], versionsOf({ 2: 'c3' }), [finding], everyone)).toEqual([finding]);
  });

  it('takes a rewritten height that verifies after reporting it, so it is not reported again', () => {
    const baseline = verifiedUpTo4();
    const restored = versionsOf({ 0: 'a', 1: 'b', 2: 'c2', 3: 'd', 4: 'e' });
    const rewritten = { height: 2, problem: REWRITTEN };
    expect(baseline.settle(baseline.plan(4, restored).heights, restored, [rewritten], everyone)).toEqual([rewritten]);
    expect(baseline.plan(4, restored).heights).toEqual([]);
  });

  it('verifies heights its own repair rewrote without calling them changed', () => {
    const baseline = verifiedUpTo4();
    baseline.rewroteByRepair([3]);
    const plan = baseline.plan(4, versionsOf({ 0: 'a', 1: 'b', 2: 'c', 3: 'd2', 4: 'e' }));
    expect(plan).toEqual({ heights: [3], changed: new Set() });
  });

  it('sweeps a rotating slice of verified heights, all of them in turn', () => {
    const baseline = verifiedUpTo4(2);
    const swept = [1, 2, 3, 4].map(() => baseline.plan(4, clean).heights);
    expect(swept).toEqual([[0, 1], [2, 3], [4], [0, 1]]);
  });
});

describe('runsOf', () => {
  it('groups consecutive heights', () => {
    expect(runsOf([0, 1, 2, 5, 7, 8])).toEqual([
      [0, 2],
      [5, 5],
      [7, 8],
    ]);
    expect(runsOf([])).toEqual([]);
  });
});
