import { BlockCutter } from '../block/block-cutter';
import { CutTimer } from './cut-timer';

const MAX_AGE_MS = 20;

/** A cutter of at most 3 events and a timer whose cuts are recorded with their time; each cut takes `commitMs`. */
function setUp(commitMs = 0) {
  const cutter = new BlockCutter<string>(3, MAX_AGE_MS);
  const cuts: { at: number; events: string[] }[] = [];
  const cutIfDue = async () => {
    while (cutter.due(Date.now())) {
      cuts.push({ at: Date.now(), events: cutter.cut() });
      await new Promise((resolve) => setTimeout(resolve, commitMs));
    }
  };
  const timer = new CutTimer(cutter, cutIfDue);
  const add = (event: string) => {
    cutter.add(event, Date.now());
    timer.arm();
  };
  return { cutter, cuts, timer, add };
}

describe('CutTimer', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('cuts a partial block exactly when its oldest event reaches the maximum age, not on a later tick', async () => {
    const { cuts, add } = setUp();
    await jest.advanceTimersByTimeAsync(5);
    add('a');
    await jest.advanceTimersByTimeAsync(7);
    add('b');
    await jest.advanceTimersByTimeAsync(12);
    expect(cuts).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(cuts).toEqual([{ at: 25, events: ['a', 'b'] }]);
  });

  it('after a cut, arms again for events that arrived while it was committing', async () => {
    const { cuts, add } = setUp(8);
    add('a');
    await jest.advanceTimersByTimeAsync(MAX_AGE_MS);
    // Arrives during the 8 ms commit of the first block.
    await jest.advanceTimersByTimeAsync(3);
    add('b');
    await jest.advanceTimersByTimeAsync(40);
    expect(cuts).toEqual([
      { at: 20, events: ['a'] },
      { at: 43, events: ['b'] },
    ]);
  });

  it('when a full block took the events it was armed for, waits for the next oldest instead of cutting early', async () => {
    const { cutter, cuts, add } = setUp();
    add('a');
    await jest.advanceTimersByTimeAsync(4);
    ['b', 'c'].forEach(add);
    // Full: cut by count (as the reader does), outside the timer.
    cuts.push({ at: Date.now(), events: cutter.cut() });
    await jest.advanceTimersByTimeAsync(6);
    add('d');
    await jest.advanceTimersByTimeAsync(MAX_AGE_MS - 1);
    expect(cuts).toEqual([{ at: 4, events: ['a', 'b', 'c'] }]);
    await jest.advanceTimersByTimeAsync(1);
    expect(cuts).toEqual([
      { at: 4, events: ['a', 'b', 'c'] },
      { at: 30, events: ['d'] },
    ]);
  });

  it('cuts nothing once stopped', async () => {
    const { cuts, timer, add } = setUp();
    add('a');
    timer.stop();
    await jest.advanceTimersByTimeAsync(100);
    expect(cuts).toEqual([]);
  });
});
