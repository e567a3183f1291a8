import { describe, expect, it } from 'vitest';
import { SeenSet } from './seen-set.js';

describe('SeenSet', () => {
  it('reports first sightings once and forgets the oldest beyond its capacity', () => {
    const s = new SeenSet(3);
    expect(['a', 'b', 'a', 'c'].map((x) => s.add(x))).toEqual([true, true, false, true]);
    expect(s.add('d')).toBe(true); // evicts 'a'
    expect(s.size).toBe(3);
    expect(s.has('a')).toBe(false);
    expect(s.has('b')).toBe(true);
    expect(s.add('a')).toBe(true);
  });
});
