// A Clock for tests that moves only when told, so timer-driven behaviour (stalls, downtimes) runs without sleeps.
import type { Cancel, Clock } from './clock.js';

/** A clock that moves only when told: timers fire from `advance`, in deadline order. */
export class ManualClock implements Clock {
  #now: number;
  #timers: Array<{ at: number; fn: () => void; live: boolean }> = [];

  constructor(startMs = 1_750_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Cancel {
    const t = { at: this.#now + ms, fn, live: true };
    this.#timers.push(t);
    return () => {
      t.live = false;
    };
  }

  /** Timers not yet fired or cancelled, as delays from now. */
  pending(): number[] {
    return this.#timers.filter((t) => t.live).map((t) => t.at - this.#now);
  }

  advance(ms: number): void {
    this.#now += ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.live && t.at <= this.#now).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.live = false;
      due.fn();
    }
    this.#timers = this.#timers.filter((t) => t.live);
  }
}
