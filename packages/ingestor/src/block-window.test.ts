import { describe, expect, it } from 'vitest';
import { BlockWindow, parseCheckpoint } from './block-window.js';

const b = (height: number) => ({ height, hash: `h${height}`, txids: [`t${height}`] });

describe('BlockWindow', () => {
  it('keeps the last N blocks and finds them by height', () => {
    const w = new BlockWindow(3);
    for (let h = 10; h <= 14; h++) w.push(b(h));
    expect(w.oldestHeight).toBe(12);
    expect(w.tip?.hash).toBe('h14');
    expect(w.at(13)?.txids).toEqual(['t13']);
    expect(w.at(11)).toBeUndefined();
    expect(() => w.push(b(16))).toThrow(/does not follow/);
  });

  it('disconnects blocks above a fork height, tip first', () => {
    const w = new BlockWindow(10);
    for (let h = 1; h <= 5; h++) w.push(b(h));
    expect(w.disconnectAbove(2).map((x) => x.height)).toEqual([5, 4, 3]);
    expect(w.tip?.height).toBe(2);
  });

  it('round-trips through a checkpoint and rejects corrupt ones', () => {
    const w = new BlockWindow(10);
    for (let h = 1; h <= 5; h++) w.push(b(h));
    const c = w.checkpoint(3)!;
    expect(c).toEqual({ height: 5, hash: 'h5', recent: [[3, 'h3'], [4, 'h4'], [5, 'h5']] });
    const back = BlockWindow.fromCheckpoint(parseCheckpoint(JSON.stringify(c))!, 10);
    expect(back.tip).toEqual({ height: 5, hash: 'h5', txids: [] });
    expect(back.at(3)?.hash).toBe('h3');
    expect(parseCheckpoint('{nope')).toBeUndefined();
    expect(parseCheckpoint('{"height":1,"hash":"x","recent":[[1,"a"],[3,"c"]]}')).toBeUndefined();
  });
});
