import { describe, expect, it } from 'vitest';
import { compareEpochs, isBehind, PositionFloor } from './position-floor.js';

describe('position floor', () => {
  it('orders decimal epochs by value and leaves other epochs unordered', () => {
    expect(compareEpochs('1765000000000001', '1765000000000002')).toBeLessThan(0);
    expect(compareEpochs('99', '100')).toBeLessThan(0);
    expect(compareEpochs('100', '100')).toBe(0);
    expect(compareEpochs('abc', 'abd')).toBeNaN();
    expect(compareEpochs('abc', 'abc')).toBe(0);
  });

  it('is behind: an older epoch, or a smaller seq of the same epoch; never an unordered or newer epoch', () => {
    expect(isBehind({ epoch: '10', seq: 50 }, { epoch: '11', seq: 1 })).toBe(true);
    expect(isBehind({ epoch: '11', seq: 4 }, { epoch: '11', seq: 5 })).toBe(true);
    expect(isBehind({ epoch: '11', seq: 5 }, { epoch: '11', seq: 5 })).toBe(false);
    expect(isBehind({ epoch: '12', seq: 1 }, { epoch: '11', seq: 5 })).toBe(false);
    expect(isBehind({ epoch: 'x', seq: 1 }, { epoch: 'y', seq: 5 })).toBe(false);
  });

  it('keeps the latest position per channel and counts changes', () => {
    const f = new PositionFloor();
    f.note('blocks', { epoch: '11', seq: 5 });
    f.note('blocks', { epoch: '11', seq: 3 });
    f.note('blocks', { epoch: '10', seq: 90 });
    expect(f.get('blocks')).toEqual({ epoch: '11', seq: 5 });
    expect(f.changes).toBe(1);
    f.note('blocks', { epoch: '12', seq: 1 });
    f.note('txs', { epoch: 'a', seq: 9 });
    f.note('txs', { epoch: 'b', seq: 1 });
    expect(f.entries()).toEqual([['blocks', { epoch: '12', seq: 1 }], ['txs', { epoch: 'b', seq: 1 }]]);
    expect(f.changes).toBe(4);
  });
});
