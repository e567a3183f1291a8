import { describe, expect, it } from 'vitest';
import { bucketLow, bucketOf, LatencyHistogram } from './histogram.js';

describe('histogram buckets', () => {
  it('are exact below 64 µs and within 1/64 relative width above', () => {
    for (let us = 0; us < 64; us++) expect(bucketLow(bucketOf(us))).toBe(us);
    for (const us of [64, 100, 1_000, 12_345, 999_999, 2 ** 30 + 17]) {
      const low = bucketLow(bucketOf(us));
      expect(low).toBeLessThanOrEqual(us);
      expect((us - low) / us).toBeLessThan(1 / 64);
    }
  });

  it('are monotonic in the value', () => {
    let last = -1;
    for (let us = 0; us < 5_000_000; us = Math.floor(us * 1.01) + 1) {
      const b = bucketOf(us);
      expect(b).toBeGreaterThanOrEqual(last);
      last = b;
    }
  });

  it('clamp negatives to 0 and huge values to the last bucket', () => {
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(1e15)).toBe(bucketOf(2 ** 31 - 1));
  });
});

describe('LatencyHistogram', () => {
  it('reports percentiles of a known distribution within bucket precision', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) h.recordMs(i / 10); // 0.1 … 1000 ms, uniform
    const s = h.summary();
    expect(s.count).toBe(10_000);
    expect(s.min).toBeCloseTo(0.1, 6);
    expect(s.max).toBeCloseTo(1000, 6);
    expect(s.mean).toBeCloseTo(500.05, 3);
    expect(Math.abs(s.p50 - 500) / 500).toBeLessThan(0.02);
    expect(Math.abs(s.p90 - 900) / 900).toBeLessThan(0.02);
    expect(Math.abs(s.p99 - 990) / 990).toBeLessThan(0.02);
  });

  it('keeps min and max exact and quantiles inside them', () => {
    const h = new LatencyHistogram();
    h.recordMs(3.21);
    expect(h.summary()).toMatchObject({ count: 1, min: 3.21, p50: 3.21, p99: 3.21, max: 3.21 });
  });

  it('is empty after reset and reports NaN rather than zeros', () => {
    const h = new LatencyHistogram();
    h.recordMs(1);
    h.reset();
    const s = h.summary();
    expect(s.count).toBe(0);
    expect([s.min, s.p50, s.max, s.mean].every(Number.isNaN)).toBe(true);
  });

  it('merges sparse histograms from workers into the same percentiles as one histogram', () => {
    const all = new LatencyHistogram();
    const parts = [new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram()];
    for (let i = 0; i < 3_000; i++) {
      const ms = ((i * 7919) % 3_000) / 7;
      all.recordMs(ms);
      parts[i % 3]!.recordMs(ms);
    }
    const merged = new LatencyHistogram();
    for (const p of parts) merged.merge(JSON.parse(JSON.stringify(p.toSparse())));
    const { mean, ...rest } = merged.summary();
    const { mean: allMean, ...allRest } = all.summary();
    expect(rest).toEqual(allRest);
    expect(mean).toBeCloseTo(allMean, 9); // float sums in another order
  });

  it('refuses a bucket index it does not have', () => {
    expect(() => new LatencyHistogram().merge({ buckets: [[1e9, 1]], count: 1, sumUs: 0, minUs: 0, maxUs: 0 })).toThrow(RangeError);
  });
});
