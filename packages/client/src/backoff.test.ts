import { describe, expect, it } from 'vitest';
import { Backoff, DEFAULT_RECONNECT, resolveReconnectPolicy } from './backoff.js';

describe('Backoff', () => {
  it('uses the documented defaults: 250 ms initial, 10 s cap, factor 2', () => {
    expect(resolveReconnectPolicy()).toEqual({ initialDelayMs: 250, maxDelayMs: 10_000, factor: 2 });
    expect(resolveReconnectPolicy({ maxDelayMs: 500 })).toEqual({ ...DEFAULT_RECONNECT, maxDelayMs: 500 });
  });

  it('applies equal jitter: base/2 + random·base/2, exponential, capped', () => {
    const rs = [0, 1, 0.5, 0.25, 0, 1, 1];
    const b = new Backoff(resolveReconnectPolicy(), () => rs.shift()!);
    // bases: 250, 500, 1000, 2000, 4000, 8000, 10000 (capped)
    expect([0, 1, 2, 3, 4, 5, 6].map(() => b.next())).toEqual([125, 500, 750, 1_250, 2_000, 8_000, 10_000]);
    expect(b.attempt).toBe(7);
  });

  it('stays within [cap/2, cap] forever once capped', () => {
    const b = new Backoff({ initialDelayMs: 10, maxDelayMs: 100, factor: 3 }, () => 0);
    for (let i = 0; i < 200; i++) b.next();
    expect(b.next()).toBe(50);
    const hi = new Backoff({ initialDelayMs: 10, maxDelayMs: 100, factor: 3 }, () => 0.999_999);
    for (let i = 0; i < 200; i++) expect(hi.next()).toBeLessThanOrEqual(100);
  });

  it('starts over at initialDelayMs after reset()', () => {
    const b = new Backoff(resolveReconnectPolicy({ initialDelayMs: 100 }), () => 1);
    b.next();
    b.next();
    expect(b.next()).toBe(400);
    b.reset();
    expect(b.attempt).toBe(0);
    expect(b.next()).toBe(100);
  });

  it('rejects nonsensical policies', () => {
    expect(() => resolveReconnectPolicy({ initialDelayMs: 0 })).toThrow(RangeError);
    expect(() => resolveReconnectPolicy({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow(RangeError);
    expect(() => resolveReconnectPolicy({ factor: 0.5 })).toThrow(RangeError);
  });
});
