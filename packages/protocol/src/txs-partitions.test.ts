import { describe, expect, it } from 'vitest';
import { baseChannel, busChannelsFor, isBusChannel, MAX_TXS_PARTITIONS, txsChannels, txsPartitionOf } from './channels.js';
import { decodeSince, fitSince, VOID_EPOCH } from './positions.js';
import { channelsForTopic, channelsOfTopic, parseTopic } from './topics.js';

const txid = (i: number): string => i.toString(16).padStart(64, '0');

describe('transaction stream partitions', () => {
  it('one partition is the single txs channel; more are txs.0 … txs.N-1', () => {
    expect(txsChannels(1)).toEqual(['txs']);
    expect(txsChannels(4)).toEqual(['txs.0', 'txs.1', 'txs.2', 'txs.3']);
    expect(busChannelsFor(1)).toContain('txs');
    expect(busChannelsFor(3)).not.toContain('txs');
    expect(busChannelsFor(3)).toEqual(expect.arrayContaining(['blocks', 'txs.0', 'txs.2', 'ctl']));
    expect(() => txsChannels(0)).toThrow(RangeError);
    expect(() => txsChannels(MAX_TXS_PARTITIONS + 1)).toThrow(RangeError);
  });

  it('accepts only partition names below the bound, without leading zeros or other shapes', () => {
    expect(isBusChannel('txs.0')).toBe(true);
    expect(isBusChannel(`txs.${MAX_TXS_PARTITIONS - 1}`)).toBe(true);
    for (const bad of [`txs.${MAX_TXS_PARTITIONS}`, 'txs.01', 'txs.', 'txs.-1', 'txs.1.5', 'blocks.0', 'txs.1e1', '__proto__']) expect(isBusChannel(bad)).toBe(false);
    expect(baseChannel('txs.7')).toBe('txs');
    expect(baseChannel('status')).toBe('status');
  });

  it('puts a txid in one partition, whatever its case, and spreads txids over all of them', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4_000; i++) {
      const ch = txsPartitionOf(txid(i * 7919), 8);
      expect(txsPartitionOf(txid(i * 7919).toUpperCase(), 8)).toBe(ch);
      counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(counts.size).toBe(8);
    for (const n of counts.values()) expect(n).toBeGreaterThan(350); // 500 expected each
    expect(txsPartitionOf(txid(1), 1)).toBe('txs');
  });

  it('maps topics onto partitions: all of them for transactions/address/all, one for tx:<txid>', () => {
    expect(channelsForTopic('transactions')).toEqual(['txs']);
    expect(channelsForTopic('transactions', 3)).toEqual(['txs.0', 'txs.1', 'txs.2']);
    expect(channelsForTopic('all', 2)).toEqual(['blocks', 'txs.0', 'txs.1', 'sequence']);
    const t = parseTopic(`tx:${txid(42).toUpperCase()}`);
    if (!t.ok) throw new Error('topic');
    expect(channelsOfTopic(t.value, 5)).toEqual([txsPartitionOf(txid(42), 5), 'status']);
    expect(channelsOfTopic(t.value)).toEqual(['txs', 'status']);
  });
});

describe('since across partitions', () => {
  const channels = channelsForTopic('transactions'); // what a dialect decodes against: it does not know N

  it('accepts positions per partition and lays them onto the partitions in use', () => {
    const d = decodeSince({ 'txs.0': { epoch: 'e0', seq: 5 }, 'txs.1': 'now' }, channels);
    if (!d.ok) throw new Error(d.error);
    const fitted = fitSince(d.value, txsChannels(2));
    expect([...fitted]).toEqual([['txs.0', { epoch: 'e0', seq: 5 }], ['txs.1', undefined]]);
  });

  it('refuses channels of other streams and partitions past the bound', () => {
    expect(decodeSince({ blocks: { epoch: 'e', seq: 1 } }, channels)).toMatchObject({ ok: false, error: 'SINCE_CHANNEL' });
    expect(decodeSince({ [`txs.${MAX_TXS_PARTITIONS}`]: { epoch: 'e', seq: 1 } }, channels)).toMatchObject({ ok: false, error: 'SINCE_CHANNEL' });
  });

  it('a position on a stream this deployment does not run becomes a void position on every partition', () => {
    // a client that resumed the single txs stream against partitions (or partitions against one stream)
    const single = decodeSince({ epoch: 'e', seq: 9 }, channels);
    if (!single.ok) throw new Error(single.error);
    expect([...fitSince(single.value, txsChannels(2)).values()]).toEqual([{ epoch: VOID_EPOCH, seq: 0 }, { epoch: VOID_EPOCH, seq: 0 }]);
    const parts = decodeSince({ 'txs.3': { epoch: 'e', seq: 9 } }, channels);
    if (!parts.ok) throw new Error(parts.error);
    expect([...fitSince(parts.value, txsChannels(1))]).toEqual([['txs', { epoch: VOID_EPOCH, seq: 0 }]]);
    // "now" everywhere stays "now"
    const now = decodeSince('now', channels);
    if (!now.ok) throw new Error(now.error);
    expect([...fitSince(now.value, txsChannels(3)).values()]).toEqual([undefined, undefined, undefined]);
  });

  it('N = 1 keeps the single-position form', () => {
    const d = decodeSince({ epoch: 'e', seq: 3 }, channels);
    if (!d.ok) throw new Error(d.error);
    expect([...fitSince(d.value, channels)]).toEqual([['txs', { epoch: 'e', seq: 3 }]]);
  });
});
