import { describe, expect, it } from 'vitest';
import { poissonDelayMs, randomBigInt, randomInt, seededRandom } from './random.js';

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed and differs across seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const sa = Array.from({ length: 8 }, a);
    expect(Array.from({ length: 8 }, b)).toEqual(sa);
    expect(Array.from({ length: 8 }, c)).not.toEqual(sa);
  });

  it('stays in [0, 1) and spreads over the range', () => {
    const r = seededRandom(7);
    const xs = Array.from({ length: 10_000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
  });

  it('draws integers and bigints inside their inclusive bounds', () => {
    const r = seededRandom(3);
    for (let i = 0; i < 1_000; i++) {
      const n = randomInt(r, -2, 2);
      expect(n).toBeGreaterThanOrEqual(-2);
      expect(n).toBeLessThanOrEqual(2);
      const b = randomBigInt(r, 10n, 10n ** 15n);
      expect(b >= 10n && b <= 10n ** 15n).toBe(true);
    }
    expect(poissonDelayMs(() => 0.5, 2)).toBeCloseTo((Math.LN2 / 2) * 1_000);
  });
});
