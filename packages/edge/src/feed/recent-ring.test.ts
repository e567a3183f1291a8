import { describe, expect, it } from 'vitest';
import type { Envelope } from '@chainfan/protocol';
import { RecentRing } from './recent-ring.js';

const env = (epoch: string, seq: number, wire = ''): Envelope =>
  ({ v: 1, channel: 'blocks', epoch, seq, ts: 0, kind: 'block', keys: {}, body: '{}', wire });

describe('RecentRing', () => {
  it('keeps the last N contiguous messages and says which positions it covers', () => {
    const r = new RecentRing(3);
    r.reset('e', 10);
    expect(r.covers('e', 10)).toBe(true); // nothing after the reset position
    expect(r.covers('e', 9)).toBe(false);
    for (let s = 11; s <= 15; s++) r.push(env('e', s), new Map());
    expect([r.covers('e', 11), r.covers('e', 12), r.covers('e', 15), r.covers('e', 16), r.covers('x', 14)]).toEqual([false, true, true, false, false]);
    expect([...r.after(12)].map((x) => x.env.seq)).toEqual([13, 14, 15]);
    expect([...r.after(15)]).toEqual([]);
  });

  it('restarts on a discontinuity (gap or new epoch)', () => {
    const r = new RecentRing(4);
    r.reset('e', 0);
    r.push(env('e', 1), new Map());
    r.push(env('e', 3), new Map());
    expect(r.covers('e', 1)).toBe(false);
    expect(r.covers('e', 2)).toBe(true);
    r.push(env('f', 1), new Map());
    expect([r.epoch, r.lastSeq, r.covers('f', 0), r.covers('e', 3)]).toEqual(['f', 1, true, false]);
  });

  it('keeps to its byte budget by dropping the oldest entries (never the newest)', () => {
    const r = new RecentRing(100, 1_000);
    r.reset('e', 0);
    for (let s = 1; s <= 10; s++) r.push(env('e', s, 'x'.repeat(200)), new Map([['d', Buffer.alloc(100)]]));
    expect([r.size, r.bytes]).toEqual([3, 900]);
    expect([r.covers('e', 7), r.covers('e', 6)]).toEqual([true, false]);
    r.push(env('e', 11, 'x'.repeat(5_000)), new Map());
    expect([r.size, r.covers('e', 10)]).toEqual([1, true]);
  });
});
