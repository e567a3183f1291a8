import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cyclePath, importCycles, importGraph, type ImportGraph } from './import-cycles.js';

const graph = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

describe('import cycles', () => {
  it('finds a cycle (type-only imports count) and prints one path around it', () => {
    const g = graph({ a: ['b'], b: ['c'], c: ['a', 'd'], d: [], e: ['e'] });
    const cycles = importCycles(g);
    expect(cycles).toEqual([['a', 'b', 'c'], ['e']]);
    expect(cyclePath(g, cycles[0]!)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('a tree of imports has none', () => {
    expect(importCycles(graph({ a: ['b', 'c'], b: ['c'], c: [] }))).toEqual([]);
  });

  it('the packages have no import cycle', () => {
    const g = importGraph(resolve(import.meta.dirname, '../../..'));
    expect(g.size).toBeGreaterThan(100);
    expect(importCycles(g).map((c) => cyclePath(g, c).join(' → '))).toEqual([]);
  });
});
