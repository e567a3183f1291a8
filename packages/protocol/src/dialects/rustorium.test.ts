import { describe, expect, it } from 'vitest';
import { type BusChannel } from '../channels.js';
import { composeWire, type Envelope, type RoutingKeys } from '../envelope.js';
import { describeDialectContract } from './dialect.contract.js';
import type { DerivedOutput } from './dialect.js';
import { createRustoriumDialect, rustoriumDialect as d } from './rustorium.js';

describeDialectContract('rustoriumDialect', d);

const TS = Date.UTC(2024, 0, 23, 12, 34, 56);
function env(channel: BusChannel, kind: string, body: unknown, keys: RoutingKeys = {}): Envelope {
  const b = typeof body === 'string' ? body : JSON.stringify(body);
  return { v: 1, channel, epoch: 'e', seq: 1, ts: TS, kind, keys, body: b, wire: composeWire('e', 1, `"ch":"${channel}","ts":${TS},"k":"${kind}"}\n${b}`) };
}
function out(wanted: readonly string[]): DerivedOutput & { frames: [string, unknown][] } {
  const frames: [string, unknown][] = [];
  return { frames, wants: (v) => wanted.includes(v), emit: (v, f) => frames.push([v, JSON.parse(f)]) };
}
const H = (c: string): string => c.repeat(64);

describe('Rustorium dialect: requests', () => {
  it('subscribes by channel and confirmations filter, naming the subscription after what it reads', () => {
    expect(d.decode('{"type":"subscribe","id":"sub1","data":{"channel":"blocks","filter":{"confirmations":1}}}', false))
      .toEqual({ type: 'subscribe', target: { type: 'topic', topic: { kind: 'blocks', key: 'blocks' } }, raw: 'blocks', ref: '"sub1"' });
    expect(d.decode('{"type":"subscribe","id":"s","data":{"channel":"blocks","filter":{"confirmations":3}}}', false))
      .toMatchObject({ target: { type: 'derived', stream: 'new_block', variant: '3' }, raw: 'blocks:c3' });
    expect(d.decode('{"type":"subscribe","id":"s","data":{"channel":"transactions"}}', false))
      .toMatchObject({ target: { type: 'derived', stream: 'tx_confirmed', variant: '1' }, raw: 'transactions:c1' });
    expect(d.decode('{"type":"subscribe","id":"s","data":{"channel":"state"}}', false)).toMatchObject({ target: { type: 'derived', stream: 'state' }, raw: 'state' });
  });

  it('unsubscribes by subscription id, refusing ids it never hands out', () => {
    expect(d.subscriptionId?.('transactions:c2', 4)).toBe('transactions:c2#4');
    expect(d.decode('{"type":"unsubscribe","id":"sub1","data":{"subscription_id":"transactions:c2#4"}}', false))
      .toMatchObject({ type: 'unsubscribe', target: { type: 'derived', stream: 'tx_confirmed', variant: '2' }, raw: 'transactions:c2#4', ref: '"sub1"' });
    for (const id of ['abc123', 'blocks', 'blocks#0', 'blocks:c1#1', 'transactions:c0#1', 'state:c2#1', 'state#x', 7]) {
      expect(d.decode(JSON.stringify({ type: 'unsubscribe', id: 'u', data: { subscription_id: id } }), false), String(id))
        .toMatchObject({ type: 'invalid', error: { reason: 'not_subscribed' }, ref: '"u"' });
    }
  });

  it('maps refusals onto 4002 (message) and 4003 (subscription)', () => {
    const code = (frame: string): unknown => {
      const c = d.decode(frame, false);
      return c.type === 'invalid' ? JSON.parse(d.encodeError(c.error, c.ref)) : c;
    };
    expect(code('{oops')).toEqual({ type: 'error', id: null, data: null, error: { code: 4002, message: 'Invalid message format' } });
    expect(code('{"type":"shout","id":"x"}')).toMatchObject({ id: 'x', error: { code: 4002 } });
    expect(code('{"type":"subscribe","id":"x","data":[]}')).toMatchObject({ error: { code: 4002 } });
    expect(code('{"type":"subscribe","id":"x","data":{"channel":"weather"}}')).toMatchObject({ error: { code: 4003, message: 'Subscription error: Unknown channel: weather' } });
    expect(code('{"type":"subscribe","id":"x","data":{"channel":"blocks","filter":{"confirmations":99}}}')).toMatchObject({ error: { code: 4003 } });
    expect(code('{"type":"subscribe","id":"x","data":{"channel":"transactions","filter":{"confirmations":0}}}')).toMatchObject({ error: { code: 4003 } });
    expect(code('{"type":"subscribe","id":"x","data":{"channel":"blocks","filter":{"address":"E"}}}')).toMatchObject({ error: { code: 4003 } });
    expect(JSON.parse(d.encodeError({ reason: 'rate_limited', code: 1007, message: 'slow down' }, '"m"'))).toMatchObject({ id: 'm', error: { code: 4001 } });
    expect(JSON.parse(d.encodeError({ reason: 'too_many_subscriptions', code: 1006, message: 'too many' }, undefined))).toMatchObject({ error: { code: 4003 } });
  });

  it('acknowledges in the documented shapes', () => {
    const target = { type: 'topic', topic: { kind: 'blocks', key: 'blocks' } } as const;
    expect(JSON.parse(d.encodeAck({ action: 'subscribe', raw: 'blocks', target, ref: '"sub1"', nowMs: 0 }))).toEqual({ type: 'subscribe_success', id: 'sub1', data: { subscription_id: 'blocks' }, error: null });
    expect(JSON.parse(d.encodeAck({ action: 'unsubscribe', raw: 'blocks', target, ref: '"sub1"', nowMs: 0 }))).toEqual({ type: 'unsubscribe_success', id: 'sub1', data: {}, error: null });
  });

  it('closes with 4000 for bad tokens and 4001 for limits, beats every 30 s, and states its limits', () => {
    expect(d.closeFor!('invalidCredentials')).toEqual({ code: 4000, reason: 'Invalid token' });
    expect(d.closeFor!('authRequired')).toEqual({ code: 4000, reason: 'Invalid token' });
    expect(d.closeFor!('tooManyForKey')).toEqual({ code: 4001, reason: 'Rate limited' });
    expect(d.closeFor!('rate_limited')).toEqual({ code: 4001, reason: 'Rate limited' });
    expect(d.closeFor!('draining')).toBeUndefined();
    expect(d.heartbeat!.intervalMs).toBe(30_000);
    expect(JSON.parse(d.heartbeat!.encode(1_706_011_200_000))).toEqual({ type: 'heartbeat', data: { timestamp: 1_706_011_200 } });
    expect(d.limits).toEqual({ maxConnectionsPerKey: 10, maxSubscriptionsPerConnection: 100, messagesPerMinute: 1_000, requiresCredentials: true });
    expect(createRustoriumDialect({ heartbeatMs: 500 }).heartbeat!.intervalMs).toBe(500);
  });
});

describe('Rustorium dialect: events', () => {
  const block = { hash: H('a'), height: 12345, previousblockhash: H('b'), time: TS / 1000, tx: [H('c')] };

  it('encodes blocks as new_block with 0x hashes and an ISO timestamp', () => {
    expect(JSON.parse(d.encodeEvent(env('blocks', 'block', block))!)).toEqual({
      type: 'new_block', id: 'block-12345', error: null,
      data: { number: 12345, hash: `0x${H('a')}`, parent_hash: `0x${H('b')}`, timestamp: '2024-01-23T12:34:56Z', transactions: [`0x${H('c')}`] },
    });
    expect(d.encodeEvent(env('txs', 'tx', {}))).toBeUndefined();
  });

  it('sends new_block once a block is exactly k deep', () => {
    const s = d.derived!.get('new_block')!.create();
    const o = out(['3']);
    s.add(env('blocks', 'block', block), o);
    s.add(env('chain', 'confirmations', { tip_height: 12346, blocks: [{ height: 12346, hash: H('d'), confirmations: 1 }, { height: 12345, hash: H('a'), confirmations: 2 }] }), o);
    expect(o.frames).toEqual([]);
    s.add(env('chain', 'confirmations', { tip_height: 12347, blocks: [{ height: 12345, hash: H('a'), confirmations: 3 }] }), o);
    expect(o.frames).toEqual([['3', expect.objectContaining({ type: 'new_block', data: expect.objectContaining({ number: 12345 }) })]]);
  });

  it('sends tx_confirmed for exactly the confirmations subscribed', () => {
    const s = d.derived!.get('tx_confirmed')!.create();
    const o = out(['2']);
    for (const k of [1, 2, 3]) s.add(env('status', 'tx_status', { txid: H('e'), status: 'confirmed', confirmations: k, blockhash: H('a'), height: 12345 }, { tx: H('e') }), o);
    s.add(env('status', 'tx_status', { txid: H('e'), status: 'mempool', reason: 'reorg' }, { tx: H('e') }), o);
    expect(o.frames).toEqual([['2', { type: 'tx_confirmed', id: `tx-${H('e')}-2`, error: null, data: { tx_hash: `0x${H('e')}`, block_number: 12345, timestamp: '2024-01-23T12:34:56Z', confirmations: 2 } }]]);
  });

  it('sends state_update for each asset output confirmed in a block', () => {
    const s = d.derived!.get('state')!.create();
    const o = out(['']);
    s.add(env('assets', 'asset', { txid: H('f'), asset: 'ROCKET', amount: 5, type: 'transfer', vout: 0, address: 'EXto' }), o);
    s.add(env('status', 'tx_status', { txid: H('f'), status: 'confirmed', confirmations: 1, blockhash: H('a'), height: 12345 }, { tx: H('f') }), o);
    expect(o.frames).toHaveLength(1);
    const [, f] = o.frames[0]! as [string, { data: { key: string; value: string; block_number: number; timestamp: string } }];
    expect(f).toMatchObject({ type: 'state_update', id: `state-${H('f')}-0`, error: null, data: { key: '0x524f434b4554', block_number: 12345, timestamp: '2024-01-23T12:34:56Z' } });
    expect(JSON.parse(atob(f.data.value))).toEqual({ asset: 'ROCKET', amount: 5, type: 'transfer', address: 'EXto', txid: H('f'), vout: 0 });
  });
});
