// The bus's up-waits on a ManualClock: the timeout is the clock's, so it is checked at the exact deadline, without
// waiting real time.
import { describe, expect, it } from 'vitest';
import { ChainfanError, ManualClock } from '@chainfan/protocol';
import { BusStateTracker } from './bus-state-tracker.js';
import { waitForBusUp } from './wait-up.js';

const codeOf = (e: unknown): string | undefined => (e instanceof ChainfanError ? e.code : undefined);
const settled = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await Promise.resolve();
};

/** A bus's state as waitForBusUp sees it, driven by a real tracker. */
const stateOf = (t: BusStateTracker) => ({ get state() { return t.state; }, onStateChange: (h: Parameters<BusStateTracker['onChange']>[0]) => t.onChange(h) });

describe('BusStateTracker.whenUp', () => {
  it('times out on the injected clock at the deadline, not before', async () => {
    const clock = new ManualClock();
    const t = new BusStateTracker(clock);
    let outcome: unknown;
    t.whenUp(10_000).catch((e: unknown) => (outcome = e));
    expect(clock.pending()).toEqual([10_000]);
    clock.advance(9_999);
    await settled();
    expect(outcome).toBeUndefined();
    clock.advance(1);
    await settled();
    expect(codeOf(outcome)).toBe('CHAINFAN_TIMEOUT');
    expect((outcome as Error).message).toBe('bus not up after 10000 ms (state connecting)');
    t.set('up'); // a later 'up' finds no stale waiter
  });

  it('resolves on up and cancels its timer; a closed bus fails its waiters', async () => {
    const clock = new ManualClock();
    const t = new BusStateTracker(clock);
    const up = t.whenUp(5_000);
    t.set('down');
    t.set('up');
    await expect(up).resolves.toBeUndefined();
    expect(clock.pending()).toEqual([]);
    await expect(t.whenUp(1)).resolves.toBeUndefined(); // already up: no timer at all
    expect(clock.scheduled).toBe(1);
    t.set('down');
    const waiting = t.whenUp(5_000);
    t.rejectWaiters(new ChainfanError('CHAINFAN_BUS_CLOSED', 'closed'));
    await expect(waiting).rejects.toMatchObject({ code: 'CHAINFAN_BUS_CLOSED' });
    expect(clock.pending()).toEqual([]);
  });
});

describe('waitForBusUp', () => {
  it('times out on the injected clock, and without a timeout sets no timer', async () => {
    const clock = new ManualClock();
    const t = new BusStateTracker(clock);
    let outcome: unknown;
    waitForBusUp(stateOf(t), 3_000, clock).catch((e: unknown) => (outcome = e));
    clock.advance(2_999);
    await settled();
    expect(outcome).toBeUndefined();
    clock.advance(1);
    await settled();
    expect(codeOf(outcome)).toBe('CHAINFAN_TIMEOUT');

    const forever = waitForBusUp(stateOf(t), undefined, clock);
    expect(clock.pending()).toEqual([]);
    t.set('up');
    await expect(forever).resolves.toBeUndefined();
  });

  it('resolves when the bus comes up before the deadline and cancels its timer; fails when the bus closes', async () => {
    const clock = new ManualClock();
    const t = new BusStateTracker(clock);
    const up = waitForBusUp(stateOf(t), 3_000, clock);
    clock.advance(1_000);
    t.set('up');
    await expect(up).resolves.toBeUndefined();
    expect(clock.pending()).toEqual([]);
    t.set('down');
    const closed = waitForBusUp(stateOf(t), 3_000, clock);
    t.set('closed');
    await expect(closed).rejects.toMatchObject({ code: 'CHAINFAN_BUS_CLOSED' });
    expect(clock.pending()).toEqual([]);
  });
});
