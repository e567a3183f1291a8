import { describe, expect, it } from 'vitest';
import { ChainfanError, ManualClock } from '@chainfan/protocol';
import { withDeadline } from './deadline.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const codeOf = (e: unknown): string | undefined => (e instanceof ChainfanError ? e.code : undefined);

describe('withDeadline', () => {
  it('rejects with the given code once the clock passes the deadline, not a moment before', async () => {
    const clock = new ManualClock();
    let outcome: unknown;
    withDeadline(never(), 500, 'CHAINFAN_TIMEOUT', 'history', clock).catch((e: unknown) => (outcome = e));
    clock.advance(499);
    await settled();
    expect(outcome).toBeUndefined();
    clock.advance(1);
    await settled();
    expect(codeOf(outcome)).toBe('CHAINFAN_TIMEOUT');
    expect((outcome as Error).message).toBe('history timed out after 500 ms');
  });

  it('settles with the call and cancels its timer', async () => {
    const clock = new ManualClock();
    await expect(withDeadline(Promise.resolve(7), 500, 'CHAINFAN_TIMEOUT', 'x', clock)).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('boom')), 500, 'CHAINFAN_TIMEOUT', 'x', clock)).rejects.toThrow('boom');
    expect(clock.pending()).toEqual([]);
  });

  it('a late rejection after the deadline is swallowed, not an unhandled rejection', async () => {
    const clock = new ManualClock();
    let fail!: (e: Error) => void;
    const late = new Promise<number>((_, rej) => (fail = rej));
    const p = withDeadline(late, 10, 'CHAINFAN_PUBLISH_TIMEOUT', 'publish', clock);
    clock.advance(10);
    await expect(p).rejects.toMatchObject({ code: 'CHAINFAN_PUBLISH_TIMEOUT' });
    fail(new Error('too late'));
    await settled();
  });
});

/** Lets every promise reaction queued so far run (no timer involved). */
function settled(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
