// Latency histogram with ~1.6 % relative precision over 1 µs … 35 min, constant-time record, mergeable across
// loadgen processes (sparse form over IPC). Percentiles come from buckets; min, max and mean are exact.

/** Sub-buckets per power of two: relative bucket width 1/64. */
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS;
/** Values are microseconds as uint32: up to 2^31 µs ≈ 35.8 min; larger values are clamped (and still counted). */
const MAX_US = 2 ** 31 - 1;
const BUCKETS = (31 - SUB_BITS + 1) * SUB;

export interface LatencySummary {
  readonly count: number;
  /** milliseconds */
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** `[bucketIndex, count]` pairs plus exact extremes: what worker processes send to the coordinator. */
export interface SparseHistogram {
  readonly buckets: readonly (readonly [number, number])[];
  readonly count: number;
  readonly sumUs: number;
  readonly minUs: number;
  readonly maxUs: number;
}

export function bucketOf(us: number): number {
  const v = us <= 0 ? 0 : us >= MAX_US ? MAX_US : Math.floor(us);
  if (v < SUB) return v;
  const e = 31 - Math.clz32(v); // floor(log2 v) ≥ SUB_BITS
  return (e - SUB_BITS + 1) * SUB + ((v >>> (e - SUB_BITS)) - SUB);
}

/** Lowest value (µs) that falls into bucket `i`. */
export function bucketLow(i: number): number {
  if (i < SUB) return i;
  const e = Math.floor(i / SUB) + SUB_BITS - 1;
  return ((i % SUB) + SUB) * 2 ** (e - SUB_BITS);
}

/** Width of bucket `i` in µs. */
function bucketWidth(i: number): number {
  if (i < SUB) return 1;
  return 2 ** (Math.floor(i / SUB) - 1);
}

export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;
  #sumUs = 0;
  #minUs = Infinity;
  #maxUs = 0;

  /** Records one latency in milliseconds (fractional); negative values (clock skew) count as 0. */
  recordMs(ms: number): void {
    const us = ms * 1000;
    this.#counts[bucketOf(us)]! += 1;
    this.#count++;
    const v = us > 0 ? us : 0;
    this.#sumUs += v;
    if (v < this.#minUs) this.#minUs = v;
    if (v > this.#maxUs) this.#maxUs = v;
  }

  get count(): number {
    return this.#count;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sumUs = 0;
    this.#minUs = Infinity;
    this.#maxUs = 0;
  }

  /**
   * Value (ms) at quantile q ∈ [0, 1]: the midpoint of the bucket holding the ⌈q·n⌉-th smallest sample, clamped
   * to the exact min and max. NaN when empty.
   */
  quantileMs(q: number): number {
    if (this.#count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) {
        const mid = bucketLow(i) + (bucketWidth(i) - 1) / 2;
        return Math.min(Math.max(mid, this.#minUs), this.#maxUs) / 1000;
      }
    }
    return this.#maxUs / 1000;
  }

  summary(): LatencySummary {
    const n = this.#count;
    return {
      count: n,
      min: n === 0 ? NaN : this.#minUs / 1000,
      p50: this.quantileMs(0.5),
      p90: this.quantileMs(0.9),
      p99: this.quantileMs(0.99),
      max: n === 0 ? NaN : this.#maxUs / 1000,
      mean: n === 0 ? NaN : this.#sumUs / n / 1000,
    };
  }

  toSparse(): SparseHistogram {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.#counts[i]! > 0) buckets.push([i, this.#counts[i]!]);
    return { buckets, count: this.#count, sumUs: this.#sumUs, minUs: this.#minUs, maxUs: this.#maxUs };
  }

  /** Adds another histogram's samples (from a worker's `toSparse()`); bucket indexes out of range throw (a bug). */
  merge(s: SparseHistogram): void {
    for (const [i, c] of s.buckets) {
      if (!(i >= 0 && i < BUCKETS)) throw new RangeError(`bucket ${i} out of range`);
      this.#counts[i]! += c;
    }
    this.#count += s.count;
    this.#sumUs += s.sumUs;
    if (s.count > 0) {
      this.#minUs = Math.min(this.#minUs, s.minUs);
      this.#maxUs = Math.max(this.#maxUs, s.maxUs);
    }
  }
}
