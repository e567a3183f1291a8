// Injected time (STYLE.md rule 13): the backpressure sweep, drain pacing and lag metrics read it.

export type Cancel = () => void;

export interface Clock {
  /** ms since the Unix epoch — the same scale as an envelope's `ts`, so lag = now() - ts */
  now(): number;
  /** Timers never keep the process alive on their own: the listen socket or the bus does. */
  setTimeout(fn: () => void, ms: number): Cancel;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};
