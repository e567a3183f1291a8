// The client's timers go through the shared Clock seam, so reconnect delays and request deadlines can be observed
// and driven by tests (the same ManualClock every package's tests use).
import type { Cancel, Clock } from '@chainfan/protocol';

export type { Cancel, Clock };

/**
 * The earlier timer shape (`globalThis` itself satisfies it), still accepted as `clock`; handles are opaque.
 * New code passes a `Clock`.
 */
export interface ClientClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Browser and Node timers. Unlike the servers' system clock these keep a Node process alive: a client waiting to
 * reconnect is still working, as it would be with its socket open.
 */
export const clientSystemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = globalThis.setTimeout(fn, ms);
    return () => globalThis.clearTimeout(t);
  },
};

/** The Clock behind a `clock` option of either shape. */
export function asClock(c: Clock | ClientClock | undefined): Clock {
  if (c === undefined) return clientSystemClock;
  if ('clearTimeout' in c) {
    return {
      now: () => ('now' in c && typeof c.now === 'function' ? (c.now as () => number)() : Date.now()),
      setTimeout: (fn, ms): Cancel => {
        const handle = c.setTimeout(fn, ms);
        return () => c.clearTimeout(handle);
      },
    };
  }
  return c;
}
