// Given the offsets at the start of the rebuild period and the group's commits, then where each partition restarts.
import { rebuildOffsets } from './window-rebuild';

describe('rebuildOffsets', () => {
  it.each<[string, string, string, string]>([
    ['a fresh group starts at the rebuild period, not at the beginning of history', '120', '-1', '120'],
    ['a group that is up to date rewinds to refill its windows', '120', '300', '120'],
    ['a group that fell behind the period keeps its commit so nothing goes unhandled', '120', '80', '80'],
    ['an empty period starts at the commit (the high watermark)', '300', '300', '300'],
  ])('%s', (_name, atPeriodStart, committed, expected) => {
    expect(rebuildOffsets([{ partition: 0, offset: atPeriodStart }], [{ partition: 0, offset: committed }])).toEqual([{ partition: 0, offset: expected }]);
  });

  it.each<[string, string, string, string]>([
    ['a fresh group starts at the period', '120', '-1', '120'],
    ['a group with a commit keeps it (state is in PostgreSQL)', '120', '300', '300'],
    ['a group behind the period keeps its commit', '120', '80', '80'],
  ])('without refill: %s', (_name, atPeriodStart, committed, expected) => {
    expect(rebuildOffsets([{ partition: 0, offset: atPeriodStart }], [{ partition: 0, offset: committed }], false)).toEqual([
      { partition: 0, offset: expected },
    ]);
  });

  it('treats a partition without a commit as fresh', () => {
    expect(rebuildOffsets([{ partition: 1, offset: '7' }], [])).toEqual([{ partition: 1, offset: '7' }]);
  });
});
