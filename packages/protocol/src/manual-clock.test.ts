import { describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';

describe('ManualClock', () => {
  it('fires due timers from advance in deadline order, moving now to each deadline, including timers they set', () => {
    const c = new ManualClock(1_000);
    const seen: string[] = [];
    c.setTimeout(() => seen.push(`b@${c.now()}`), 20);
    c.setTimeout(() => {
      seen.push(`a@${c.now()}`);
      c.setTimeout(() => seen.push(`a2@${c.now()}`), 5);
    }, 10);
    c.setTimeout(() => seen.push('late'), 100);
    c.advance(30);
    expect(seen).toEqual(['a@1010', 'a2@1015', 'b@1020']);
    expect(c.now()).toBe(1_030);
    expect(c.pending()).toEqual([70]);
    expect(c.scheduled).toBe(4);
  });

  it('a cancelled timer never fires, and cancelling after it fired is harmless', () => {
    const c = new ManualClock();
    let fired = 0;
    const cancel = c.setTimeout(() => fired++, 5);
    cancel();
    c.advance(10);
    expect(fired).toBe(0);
    const again = c.setTimeout(() => fired++, 5);
    c.advance(5);
    again();
    expect(fired).toBe(1);
    expect(c.pending()).toEqual([]);
  });

  it('fireAll fires what is pending now, whatever its delay; timers set meanwhile wait', () => {
    const c = new ManualClock(0);
    const seen: number[] = [];
    c.setTimeout(() => seen.push(2), 2_000);
    c.setTimeout(() => {
      seen.push(1);
      c.setTimeout(() => seen.push(3), 1);
    }, 1);
    c.fireAll();
    expect(seen).toEqual([1, 2]);
    expect(c.now()).toBe(2_000);
    expect(c.pending()).toEqual([0]); // set at 1 for 2: overdue
    c.advance(0);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a timer cancelled by an earlier one in the same fireAll does not fire', () => {
    const c = new ManualClock();
    let fired = false;
    let cancelLater = (): void => undefined;
    c.setTimeout(() => cancelLater(), 1);
    cancelLater = c.setTimeout(() => (fired = true), 2);
    c.fireAll();
    expect(fired).toBe(false);
  });
});
