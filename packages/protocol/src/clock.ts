// Injected time: components read `now()` and set timers through a Clock so tests can drive time.
export type Cancel = () => void;

export interface Clock {
  /** ms since the Unix epoch — the same scale as an envelope's `ts`, so lag = now() - ts */
  now(): number;
  /** Runs `fn` once after `ms`; the returned function cancels it and is safe to call after it fired. Timers never
   *  keep a Node process alive on their own. */
  setTimeout(fn: () => void, ms: number): Cancel;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    (t as { unref?: () => void }).unref?.(); // Node only; browsers return a number
    return () => clearTimeout(t);
  },
};
