// The one test clock: time moves only when the test says, so timer-driven behaviour (windows, deadlines, retries,
// stalls) runs without sleeps and without reading the wall clock.
import type { Cancel, Clock } from './clock.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  live: boolean;
}

/** A Clock that moves only when told: timers fire from `advance` / `fireAll`, in deadline order (ties: set order). */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];
  /** how many timers were ever set (a test may assert one window armed per burst) */
  scheduled = 0;

  constructor(startMs = 1_750_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Cancel {
    const t: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, live: true };
    this.scheduled++;
    this.#timers.push(t);
    return () => {
      t.live = false;
    };
  }

  /** Timers neither fired nor cancelled, as delays from now (0: overdue, fires on the next advance). */
  pending(): number[] {
    return this.#live().map((t) => Math.max(0, t.at - this.#now));
  }

  /** Moves time on by `ms`, firing every timer due by then (including ones those timers set). */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const due = this.#live().find((t) => t.at <= until);
      if (due === undefined) break;
      this.#fire(due);
    }
    this.#now = until;
    this.#prune();
  }

  /** Fires every timer pending now, whatever its delay, moving time to each deadline; timers they set wait. */
  fireAll(): void {
    for (const t of this.#live()) if (t.live) this.#fire(t);
    this.#prune();
  }

  #fire(t: Timer): void {
    t.live = false;
    this.#now = Math.max(this.#now, t.at);
    t.fn();
  }

  #live(): Timer[] {
    return this.#timers.filter((t) => t.live).sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  #prune(): void {
    this.#timers = this.#timers.filter((t) => t.live);
  }
}
