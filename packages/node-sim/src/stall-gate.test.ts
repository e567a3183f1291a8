import { describe, expect, it } from 'vitest';
import { ManualClock } from '@chainfan/protocol';
import { StallGate } from './stall-gate.js';

describe('StallGate', () => {
  it('is open by default: passed() is undefined, so the unstalled path awaits nothing', () => {
    const gate = new StallGate(new ManualClock());
    expect(gate.held).toBe(false);
    expect(gate.passed()).toBeUndefined();
    gate.hold(0);
    expect(gate.held).toBe(false);
  });

  it('holds until the deadline on the injected clock, releasing waiters in arrival order', async () => {
    const clock = new ManualClock();
    const gate = new StallGate(clock);
    gate.hold(1_000);
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => gate.passed()!.then(() => order.push(n)));
    clock.advance(999);
    await Promise.resolve();
    expect(order).toEqual([]);
    clock.advance(1);
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    expect(gate.held).toBe(false);
  });

  it('only lengthens: a shorter hold keeps the deadline, a longer one moves it', async () => {
    const clock = new ManualClock();
    const gate = new StallGate(clock);
    gate.hold(1_000);
    gate.hold(10);
    clock.advance(500);
    gate.hold(2_000); // now until t+2500
    let passed = false;
    const wait = gate.passed()!.then(() => (passed = true));
    clock.advance(1_000);
    await Promise.resolve();
    expect(passed).toBe(false);
    expect(clock.pending()).toEqual([1_000]); // the first timer was cancelled, one remains
    clock.advance(1_000);
    await wait;
    expect(passed).toBe(true);
  });

  it('a waiter keeps waiting through a hold that starts as the previous one ends', async () => {
    const clock = new ManualClock();
    const gate = new StallGate(clock);
    gate.hold(100);
    let passed = false;
    const wait = gate.passed()!.then(() => (passed = true));
    clock.advance(100);
    gate.hold(100); // before the waiter's continuation ran
    await Promise.resolve();
    await Promise.resolve();
    expect(passed).toBe(false);
    gate.release();
    await wait;
    expect(passed).toBe(true);
    gate.release(); // idempotent
  });

  it('rejects negative and non-finite durations', () => {
    const gate = new StallGate(new ManualClock());
    expect(() => gate.hold(-1)).toThrow(RangeError);
    expect(() => gate.hold(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => gate.hold(Number.NaN)).toThrow(RangeError);
  });
});
