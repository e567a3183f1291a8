import { describe, expect, it } from 'vitest';
import { waitFor } from '@chainfan/testkit';
import { dueCount, scheduledAt, startPacer } from './pacer.js';

describe('pacer', () => {
  it('schedules message i at t0 + (i + 1)/rate', () => {
    expect(scheduledAt(1_000, 0, 100)).toBe(1_010);
    expect(scheduledAt(1_000, 99, 100)).toBe(2_000);
    expect(dueCount(100, 0)).toBe(0);
    expect(dueCount(100, 1_005)).toBe(100);
  });

  it('releases messages in order stamped with their due times, up to the limit', async () => {
    let clock = 0;
    const got: [number, number][] = [];
    const p = startPacer(1_000, (i, due) => got.push([i, due]), { now: () => clock, limit: 5 });
    clock = 3; // three are due at the first wake-up: a late source releases what it owes at once
    await waitFor(() => got.length === 3);
    expect(got).toEqual([[0, 1], [1, 2], [2, 3]]);
    clock = 10;
    await waitFor(() => got.length === 5);
    expect(got.map(([i]) => i)).toEqual([0, 1, 2, 3, 4]);
    expect(p.sent).toBe(5);
    expect(p.behind).toBe(0);
    p.stop();
  });

  it('reports how far behind its schedule a stopped source is', () => {
    let clock = 0;
    const p = startPacer(100, () => undefined, { now: () => clock });
    clock = 1_000;
    expect(p.behind).toBe(100);
    p.stop();
    expect(() => startPacer(0, () => undefined)).toThrow(RangeError);
  });
});
