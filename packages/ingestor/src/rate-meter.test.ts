import { describe, expect, it } from 'vitest';
import { RateMeter } from './rate-meter.js';

describe('RateMeter', () => {
  it('averages over its window and forgets what slid out', () => {
    let t = 100_000;
    const m = new RateMeter(10, () => t);
    m.add(50);
    t += 1_000;
    m.add(50);
    expect(m.rate()).toBe(10);
    t += 9_000; // the first bucket has left the window
    expect(m.rate()).toBe(5);
    t += 60_000;
    expect(m.rate()).toBe(0);
  });
});
