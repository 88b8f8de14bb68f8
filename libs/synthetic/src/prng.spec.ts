import { SeededRandom, seedState } from './prng';

const draws = (random: SeededRandom, count: number): number[] => Array.from({ length: count }, () => random.next());

describe('SeededRandom', () => {
  it.each([
    ['the same seed replays the same stream', () => draws(new SeededRandom(7), 5), () => draws(new SeededRandom(7), 5), true],
    ['a different seed gives a different stream', () => draws(new SeededRandom(7), 5), () => draws(new SeededRandom(8), 5), false],
    ['labels derive independent streams', () => draws(new SeededRandom(7, 'person', 1), 5), () => draws(new SeededRandom(7, 'person', 2), 5), false],
    ['a string and a number seed of the same text agree', () => draws(new SeededRandom('7'), 5), () => draws(new SeededRandom(7), 5), true],
  ])('%s', (_case, left, right, same) => {
    expect(left()).toEqual(same ? right() : expect.not.arrayContaining(right()));
  });

  it('keeps int, decimal and digits inside their bounds', () => {
    const random = new SeededRandom('bounds');
    for (let i = 0; i < 1000; i += 1) {
      const int = random.int(3, 5);
      const decimal = random.decimal(36.1, 38.9, 1);
      expect([3, 4, 5]).toContain(int);
      expect(decimal).toBeGreaterThanOrEqual(36.1);
      expect(decimal).toBeLessThanOrEqual(38.9);
      expect(random.digits(6)).toMatch(/^[1-9]\d{5}$/);
    }
  });

  it('samples distinct items', () => {
    const picked = new SeededRandom(1).sample(['a', 'b', 'c', 'd'], 3);
    expect(new Set(picked).size).toBe(3);
  });

  it('draws version 4 UUIDs', () => {
    const random = new SeededRandom(1);
    for (let i = 0; i < 100; i += 1) {
      expect(random.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('folds seeds to unsigned 32-bit states', () => {
    expect(seedState('medshare')).toBe(seedState('medshare'));
    expect(seedState('medshare')).toBeGreaterThanOrEqual(0);
    expect(seedState('medshare')).toBeLessThan(2 ** 32);
  });
});
