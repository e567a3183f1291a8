import { describe, expect, it } from 'vitest';
import { SequenceTracker } from './sequence-tracker.js';

describe('SequenceTracker', () => {
  it('accepts consecutive counters per topic independently', () => {
    const t = new SequenceTracker();
    expect(t.check('rawtx', 5)).toEqual({ kind: 'first' });
    expect(t.check('rawblock', 0)).toEqual({ kind: 'first' });
    expect(t.check('rawtx', 6)).toEqual({ kind: 'next' });
    expect(t.check('rawblock', 1)).toEqual({ kind: 'next' });
  });

  it('reports gaps with the number of lost messages', () => {
    const t = new SequenceTracker();
    t.check('rawtx', 10);
    expect(t.check('rawtx', 14)).toEqual({ kind: 'gap', missed: 3 });
    expect(t.check('rawtx', 15)).toEqual({ kind: 'next' });
  });

  it('treats the uint32 wrap as the next message, and a restart as a reset', () => {
    const t = new SequenceTracker();
    t.check('rawtx', 2 ** 32 - 1);
    expect(t.check('rawtx', 0)).toEqual({ kind: 'next' });
    t.check('hashtx', 500);
    expect(t.check('hashtx', 0)).toEqual({ kind: 'reset' });
    t.check('hashblock', 500);
    expect(t.check('hashblock', 3)).toEqual({ kind: 'reset' });
  });

  it('has no opinion on two-frame messages without a counter', () => {
    expect(new SequenceTracker().check('rawtx', undefined)).toEqual({ kind: 'unnumbered' });
  });
});
