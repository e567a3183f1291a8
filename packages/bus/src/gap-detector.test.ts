import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GapDetector } from './gap-detector.js';

describe('GapDetector', () => {
  it('takes the first message of a channel as the baseline', () => {
    const g = new GapDetector();
    expect(g.check('blocks', 'e1', 41)).toEqual({ verdict: 'next' });
    expect(g.position('blocks')).toEqual({ epoch: 'e1', seq: 41 });
  });

  it('accepts seq + 1 as next and anything at or below the position as a duplicate', () => {
    const g = new GapDetector();
    g.check('blocks', 'e1', 1);
    expect(g.check('blocks', 'e1', 2)).toEqual({ verdict: 'next' });
    expect(g.check('blocks', 'e1', 2)).toEqual({ verdict: 'duplicate' });
    expect(g.check('blocks', 'e1', 1)).toEqual({ verdict: 'duplicate' });
    expect(g.position('blocks')).toEqual({ epoch: 'e1', seq: 2 });
  });

  it('reports the exact missing range and moves past it', () => {
    const g = new GapDetector();
    g.check('txs', 'e1', 3);
    expect(g.check('txs', 'e1', 7)).toEqual({ verdict: 'gap', from: 4, to: 6 });
    expect(g.check('txs', 'e1', 8)).toEqual({ verdict: 'next' });
    expect(g.check('txs', 'e1', 5)).toEqual({ verdict: 'duplicate' });
  });

  it('reports a new epoch and rebases on it', () => {
    const g = new GapDetector();
    g.check('txs', 'e1', 10);
    expect(g.check('txs', 'e2', 1)).toEqual({ verdict: 'new-epoch' });
    expect(g.check('txs', 'e2', 2)).toEqual({ verdict: 'next' });
    expect(g.check('txs', 'e1', 11)).toEqual({ verdict: 'new-epoch' });
  });

  it('tracks channels independently', () => {
    const g = new GapDetector();
    g.check('blocks', 'e1', 1);
    g.check('txs', 'e9', 100);
    expect(g.check('blocks', 'e1', 2)).toEqual({ verdict: 'next' });
    expect(g.check('txs', 'e9', 101)).toEqual({ verdict: 'next' });
  });

  it('can be reset to a known position and forget a channel', () => {
    const g = new GapDetector();
    g.reset('blocks', 'e1', 50);
    expect(g.check('blocks', 'e1', 50)).toEqual({ verdict: 'duplicate' });
    expect(g.check('blocks', 'e1', 51)).toEqual({ verdict: 'next' });
    g.forget('blocks');
    expect(g.position('blocks')).toBeUndefined();
    expect(g.check('blocks', 'e1', 99)).toEqual({ verdict: 'next' });
  });

  it('accounts for every seq exactly once: seen as next/gap-filled, or reported as duplicate', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 80 }), (seqs) => {
        const g = new GapDetector();
        const covered = new Set<number>();
        let duplicates = 0;
        for (const s of seqs) {
          const v = g.check('c', 'e', s);
          if (v.verdict === 'duplicate') {
            duplicates++;
            expect(s).toBeLessThanOrEqual(g.position('c')!.seq);
            continue;
          }
          if (v.verdict === 'gap') for (let x = v.from; x <= v.to; x++) covered.add(x);
          expect(v.verdict).not.toBe('new-epoch');
          expect(covered.has(s)).toBe(false);
          covered.add(s);
        }
        // from the first seq to the highest one, every seq was delivered or announced as missing, once
        const first = seqs[0]!;
        const max = Math.max(...seqs);
        expect(covered.size).toBe(max - first + 1);
        expect(duplicates).toBe(seqs.length - seqs.filter((s, i) => s > Math.max(first - 1, ...seqs.slice(0, i))).length);
      }),
    );
  });
});
