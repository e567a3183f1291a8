import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './bench-args.js';
import { QUICK, SCENARIOS } from './scenarios/catalog.js';

describe('bench arguments', () => {
  it('runs the quick set by default, every scenario with --full, named ones when given', () => {
    const quick = parseBenchArgs([]);
    expect(quick.ok && quick.plan.scenarios).toEqual(QUICK);
    const full = parseBenchArgs(['--full']);
    expect(full.ok && full.plan.scenarios).toEqual(SCENARIOS);
    const named = parseBenchArgs(['fanout-1k-1000', '--reps', '5', '--measure-ms', '3000', '--profile']);
    expect(named.ok && named.plan).toMatchObject({ reps: 5, measureMs: 3000, profile: true });
    expect(named.ok && named.plan.scenarios.map((s) => s.name)).toEqual(['fanout-1k-1000']);
  });

  it('lists every problem at once', () => {
    const r = parseBenchArgs(['nope', '--reps', 'x', '--frobnicate']);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toHaveLength(3);
  });

  it('names every fan-out scenario after its clients and rate', () => {
    expect(SCENARIOS.filter((s) => s.kind === 'fanout').map((s) => s.name)).toEqual([
      'fanout-1k-10', 'fanout-1k-100', 'fanout-1k-1000', 'fanout-10k-10', 'fanout-10k-100', 'fanout-10k-1000',
    ]);
  });
});
