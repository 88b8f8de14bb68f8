import { BlockCutter } from './block-cutter';

describe('BlockCutter', () => {
  it.each([
    { name: 'nothing waiting is never due', adds: 0, now: 10_000, due: false },
    { name: 'a full block is due at once', adds: 3, now: 0, due: true },
    { name: 'a partial block is not due before its age', adds: 2, now: 999, due: false },
    { name: 'a partial block is due at its age', adds: 2, now: 1000, due: true },
  ])('$name', ({ adds, now, due }) => {
    const cutter = new BlockCutter<number>(3, 1000);
    for (let i = 0; i < adds; i += 1) cutter.add(i, 0);
    expect(cutter.due(now)).toBe(due);
  });

  it('cuts at most one block and keeps the rest in arrival order', () => {
    const cutter = new BlockCutter<number>(2, 1000);
    [1, 2, 3].forEach((item) => cutter.add(item, 0));
    expect(cutter.cut()).toEqual([1, 2]);
    expect(cutter.cut()).toEqual([3]);
    expect(cutter.size).toBe(0);
  });

  it('reports the wait until the oldest event is due', () => {
    const cutter = new BlockCutter<number>(10, 1000);
    expect(cutter.msUntilDue(0)).toBeUndefined();
    cutter.add(1, 100);
    cutter.add(2, 600);
    expect(cutter.msUntilDue(700)).toBe(400);
  });
});
