import { describe, expect, it } from 'vitest';
import { TrafficMeter } from './traffic-meter.js';

const totals = (recv: number, sent: number, ms: number) => ({ totalbytesrecv: recv, totalbytessent: sent, timemillis: ms });

describe('TrafficMeter', () => {
  it('reports bytes per second between samples, nothing for the first', () => {
    const m = new TrafficMeter();
    expect(m.sample(totals(1_000, 5_000, 10_000))).toBeUndefined();
    expect(m.sample(totals(3_000, 9_000, 12_000))).toEqual({ in: 1_000, out: 2_000 });
    expect(m.sample(totals(3_000, 9_000, 14_000))).toEqual({ in: 0, out: 0 });
  });

  it('starts over when totals go backwards (a node restart) and ignores malformed replies', () => {
    const m = new TrafficMeter();
    m.sample(totals(10_000, 10_000, 1_000));
    expect(m.sample(totals(500, 700, 2_000))).toBeUndefined();
    expect(m.sample(totals(1_500, 1_700, 3_000))).toEqual({ in: 1_000, out: 1_000 });
    expect(m.sample({ totalbytesrecv: 'x' })).toBeUndefined();
    expect(m.sample(null)).toBeUndefined();
    expect(m.sample(totals(2_500, 2_700, 3_000))).toBeUndefined(); // no time passed
  });
});
