// Fault injection: a hold on one node component (ZMQ sends, RPC answers) until a deadline on the injected clock.
import type { Cancel, Clock } from './clock.js';

export class StallGate {
  readonly #clock: Clock;
  #untilMs = 0;
  #opened: Promise<void> | undefined;
  #open: (() => void) | undefined;
  #cancelTimer: Cancel | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Holds the gate for `ms` from now. Holds only ever lengthen: a hold already running past the new deadline is kept.
   * `ms` must be a finite number ≥ 0 (RangeError otherwise); 0 changes nothing.
   */
  hold(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`stall duration must be a finite number of ms >= 0, got ${ms}`);
    if (ms === 0) return;
    const untilMs = this.#clock.now() + ms;
    if (this.#opened !== undefined && untilMs <= this.#untilMs) return;
    this.#untilMs = untilMs;
    this.#cancelTimer?.();
    this.#opened ??= new Promise<void>((resolve) => {
      this.#open = resolve;
    });
    this.#cancelTimer = this.#clock.setTimeout(() => this.release(), ms);
  }

  /** Ends the hold now (idempotent); everything waiting in `passed()` proceeds in the order it arrived. */
  release(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    const open = this.#open;
    this.#opened = undefined;
    this.#open = undefined;
    open?.();
  }

  get held(): boolean {
    return this.#opened !== undefined;
  }

  /**
   * Resolves once the gate is open, including after holds that start while waiting. Undefined when the gate is open
   * already, so the unstalled path awaits nothing and keeps its ordering.
   */
  passed(): Promise<void> | undefined {
    if (this.#opened === undefined) return undefined;
    return (async () => {
      for (let g = this.#opened; g !== undefined; g = this.#opened) await g;
    })();
  }
}
