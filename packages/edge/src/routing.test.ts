import { describe, expect, it } from 'vitest';
import type { BusChannel, Envelope, RoutingKeys } from '@chainfan/protocol';
import { routeEnvelope } from './routing.js';

function env(channel: BusChannel, kind: string, keys: RoutingKeys = {}): Envelope {
  return { v: 1, channel, epoch: 'e', seq: 1, ts: 0, kind, keys, body: '{}', wire: '' };
}
const keysOf = (e: Envelope): string[] => routeEnvelope(e).map((t) => t.key);

describe('routeEnvelope', () => {
  it('sends blocks and sequence to their topic and to `all`', () => {
    expect(routeEnvelope(env('blocks', 'block'))).toEqual([{ key: 'blocks', kind: 'blocks' }, { key: 'all', kind: 'all' }]);
    expect(keysOf(env('sequence', 'sequence'))).toEqual(['sequence', 'all']);
  });

  it('sends a transaction to transactions, all, each address once and its lower-cased txid', () => {
    const txid = 'AB'.repeat(32);
    expect(routeEnvelope(env('txs', 'tx', { a: ['EX1', 'EX2', 'EX1'], tx: txid }))).toEqual([
      { key: 'transactions', kind: 'transactions' }, { key: 'all', kind: 'all' },
      { key: 'address:EX1', kind: 'address' }, { key: 'address:EX2', kind: 'address' },
      { key: `tx:${txid.toLowerCase()}`, kind: 'tx' },
    ]);
  });

  it('sends asset events to assets and asset:<NAME> for each name', () => {
    expect(keysOf(env('assets', 'asset', { as: ['A', 'B/C'] }))).toEqual(['assets', 'asset:A', 'asset:B/C']);
    expect(keysOf(env('assets', 'asset'))).toEqual(['assets']);
  });

  it('maps the remaining channels, and control traffic other than network/peers to nobody', () => {
    expect(keysOf(env('mempool', 'mempool'))).toEqual(['mempool']);
    expect(keysOf(env('chain', 'reorg'))).toEqual(['reorgs']);
    expect(keysOf(env('ctl', 'network'))).toEqual(['network']);
    expect(keysOf(env('ctl', 'peers'))).toEqual(['peers']);
    expect(keysOf(env('ctl', 'probe'))).toEqual([]);
  });

  it('ignores routing keys of the wrong shape instead of throwing', () => {
    const bad = { a: 'EX1', as: [1, null, 'OK'], tx: 7 } as unknown as RoutingKeys;
    expect(keysOf(env('txs', 'tx', bad))).toEqual(['transactions', 'all']);
    expect(keysOf(env('assets', 'asset', bad))).toEqual(['assets', 'asset:OK']);
    expect(keysOf(env('txs', 'tx', { a: [5] as unknown as string[] }))).toEqual(['transactions', 'all']);
  });
});
