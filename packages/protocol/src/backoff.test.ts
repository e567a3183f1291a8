import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff.js';

describe('backoffMs', () => {
  const p = { initialDelayMs: 100, maxDelayMs: 1_000, factor: 2 };
  it('grows exponentially within [base/2, base] and caps', () => {
    expect(backoffMs(0, () => 0, p)).toBe(50);
    expect(backoffMs(0, () => 1, p)).toBe(100);
    expect(backoffMs(3, () => 0.5, p)).toBe(600);
    expect(backoffMs(50, () => 1, p)).toBe(1_000);
    expect(backoffMs(50, () => 0, p)).toBe(500);
  });
});
