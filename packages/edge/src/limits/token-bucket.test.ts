import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst, then limits, then asks to close once the debt passes the burst', () => {
    const b = new TokenBucket(10, 3, 0);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual(['ok', 'ok', 'ok']);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual(['limited', 'limited', 'limited']);
    expect(b.take(0)).toBe('exceeded');
  });

  it('refills at the rate, up to the burst', () => {
    const b = new TokenBucket(10, 2, 0);
    b.take(0);
    b.take(0);
    expect(b.take(0)).toBe('limited');
    expect(b.take(200)).toBe('ok'); // +2 tokens, paid back the debt of 1, then took one
    expect(b.take(10_000)).toBe('ok');
    expect(b.take(10_000)).toBe('ok');
    expect(b.take(10_000)).toBe('limited'); // capped at burst 2
  });

  it('ignores a clock going backwards', () => {
    const b = new TokenBucket(1, 1, 1_000);
    expect(b.take(500)).toBe('ok');
    expect(b.take(400)).toBe('limited');
  });
});
