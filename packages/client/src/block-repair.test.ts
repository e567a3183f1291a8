import { describe, expect, it } from 'vitest';
import { BlockRepair } from './block-repair.js';
import type { ChainfanMessage } from './messages.js';

const block = (height: number) => ({ type: 'block', channel: 'blocks', epoch: 'e', seq: height, data: { hash: String(height), height } }) as unknown as Exclude<ChainfanMessage, { type: 'subscription' | 'error' }>;
const tx = { type: 'transaction', channel: 'txs', epoch: 'e', seq: 1, data: { txid: 'a' } } as unknown as Exclude<ChainfanMessage, { type: 'subscription' | 'error' }>;

describe('BlockRepair', () => {
  it('holds blocks only while the old subscription still speaks, and hands them over once at the outcome', () => {
    const r = new BlockRepair();
    expect(r.hold(block(1))).toBe(false); // no repair: delivered as it comes
    r.start('blocks');
    expect(r.hold(block(2))).toBe(true);
    expect(r.hold(tx)).toBe(false); // other channels keep flowing
    expect(r.finish('blocks')).toEqual([]); // no outcome before the unsubscribe's ack
    r.unsubscribed('blocks');
    expect(r.hold(block(3))).toBe(false); // the repairing subscribe's replay
    expect(r.finish('blocks')).toEqual([block(2)]);
    expect(r.finish('blocks')).toEqual([]);
  });

  it('forgets what it held when the socket closes (nothing held was accepted; the resume asks again)', () => {
    const r = new BlockRepair();
    r.start('all');
    r.hold(block(5));
    r.clear();
    r.unsubscribed('all');
    expect(r.finish('all')).toEqual([]);
    expect(r.hold(block(6))).toBe(false);
  });
});
