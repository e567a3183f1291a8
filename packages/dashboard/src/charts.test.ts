import { describe, expect, it } from 'vitest';
import { formatTick, niceCeil, yScale } from './components/charts.js';

describe('chart axes', () => {
  it('round the top of the y axis up to 1, 2, 2.5 or 5 × 10^k', () => {
    expect([0.3, 1, 1.2, 2.2, 3, 7, 12, 180, 2_600].map(niceCeil)).toEqual([0.5, 1, 2, 2.5, 5, 10, 20, 200, 5_000]);
    expect(niceCeil(0)).toBe(1);
    expect(niceCeil(Number.NaN)).toBe(1);
  });

  it('ticks at zero, the middle and the rounded top, mapped from the bottom of the plot to its top', () => {
    const s = yScale([3, 7, 4], 96);
    expect(s.ticks).toEqual([0, 5, 10]);
    expect(s.y(0)).toBeGreaterThan(s.y(5));
    expect(s.y(5)).toBeGreaterThan(s.y(10));
    expect(s.y(10)).toBe(8); // the top margin
    expect(s.y(0)).toBe(96 - 16); // above the x axis label
  });

  it('keeps negative values inside the plot and survives no data', () => {
    expect(yScale([-2, 4], 96).ticks[0]).toBe(-2);
    expect(yScale([], 96).ticks).toEqual([0, 0.5, 1]);
    expect(formatTick(2_500)).toBe('2.5k');
    expect(formatTick(0.25)).toBe('0.25');
  });
});
