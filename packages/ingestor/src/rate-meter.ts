// Events per second over a sliding window of one-second buckets (transactions per second for `network`). O(1).
export class RateMeter {
  readonly #buckets: Float64Array;
  readonly #now: () => number;
  #second = -1;

  constructor(windowSeconds: number, now: () => number = Date.now) {
    this.#buckets = new Float64Array(windowSeconds);
    this.#now = now;
  }

  add(n = 1): void {
    this.#advance();
    this.#buckets[this.#second % this.#buckets.length]! += n;
  }

  /** Mean rate over the window (events per second). */
  rate(): number {
    this.#advance();
    let sum = 0;
    for (const b of this.#buckets) sum += b;
    return sum / this.#buckets.length;
  }

  #advance(): void {
    const s = Math.floor(this.#now() / 1000);
    if (this.#second < 0) this.#second = s;
    const len = this.#buckets.length;
    for (let i = Math.max(this.#second + 1, s - len + 1); i <= s; i++) this.#buckets[i % len] = 0;
    this.#second = Math.max(this.#second, s);
  }
}
