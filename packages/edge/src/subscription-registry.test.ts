import { describe, expect, it } from 'vitest';
import type { Topic } from '@chainfan/protocol';
import { SubscriptionRegistry, uwsTopic } from './subscription-registry.js';

const BLOCKS: Topic = { kind: 'blocks', key: 'blocks' };

describe('SubscriptionRegistry', () => {
  it('counts subscribers per (dialect, topic) and totals', () => {
    const r = new SubscriptionRegistry();
    expect(r.add('evrmore-rpc', 'blocks', BLOCKS).readers).toBe(1);
    expect(r.add('evrmore-rpc', 'blocks', BLOCKS).readers).toBe(2);
    expect(r.add('native', 'blocks', BLOCKS).readers).toBe(1);
    expect(r.count('evrmore-rpc', 'blocks')).toBe(2);
    expect(r.count('evrmore-rpc', 'address:X')).toBe(0);
    expect([r.total, r.topics]).toEqual([3, 2]);
    expect(r.remove('evrmore-rpc', 'blocks')).toBe(1);
    expect(r.remove('evrmore-rpc', 'blocks')).toBe(0);
    expect(r.has('evrmore-rpc')).toBe(false);
    expect(r.has('native')).toBe(true);
    expect([r.total, r.topics]).toEqual([1, 1]);
    expect([...r.entries()].map((c) => c.uwsTopic)).toEqual(['native|blocks']);
  });

  it('keeps one counters object per topic while it has readers, so a reader measures its share by difference', () => {
    const r = new SubscriptionRegistry();
    const c = r.add('evrmore-rpc', 'blocks', BLOCKS);
    c.messages += 5;
    expect(r.add('evrmore-rpc', 'blocks', BLOCKS)).toBe(c);
    r.remove('evrmore-rpc', 'blocks');
    r.remove('evrmore-rpc', 'blocks');
    expect(r.add('evrmore-rpc', 'blocks', BLOCKS)).not.toBe(c);
  });

  it('treats removing an absent subscription as a bug', () => {
    expect(() => new SubscriptionRegistry().remove('evrmore-rpc', 'blocks')).toThrow();
  });

  it('names uWS topics per dialect so dialects never share frames', () => {
    expect(uwsTopic('evrmore-rpc', 'address:EX1')).toBe('evrmore-rpc|address:EX1');
  });
});

describe('SubscriptionRegistry: derived streams', () => {
  it('keeps variants of derived streams as keys of their own, without a topic', () => {
    const r = new SubscriptionRegistry();
    const c = r.add('rustorium', 'derived:tx_confirmed:3');
    expect(c).toMatchObject({ key: 'derived:tx_confirmed:3', topic: undefined, uwsTopic: 'rustorium|derived:tx_confirmed:3' });
    expect(r.count('rustorium', 'derived:tx_confirmed:1')).toBe(0);
  });
});
