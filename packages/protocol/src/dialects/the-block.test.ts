import { describe, expect, it } from 'vitest';
import { type BusChannel } from '../channels.js';
import { composeWire, type Envelope, type RoutingKeys } from '../envelope.js';
import { describeDialectContract } from './dialect.contract.js';
import type { DerivedOutput } from './dialect.js';
import { theBlockDialect as d } from './the-block.js';
import { marketsHealth } from './the-block-streams.js';

describeDialectContract('theBlockDialect', d);

const TS = 1_738_549_200_000;
function env(channel: BusChannel, kind: string, body: unknown, keys: RoutingKeys = {}): Envelope {
  const b = typeof body === 'string' ? body : JSON.stringify(body);
  return { v: 1, channel, epoch: 'e', seq: 1, ts: TS, kind, keys, body: b, wire: composeWire('e', 1, `"ch":"${channel}","ts":${TS},"k":"${kind}"}\n${b}`) };
}
function out(): DerivedOutput & { frames: unknown[] } {
  const frames: unknown[] = [];
  return { frames, wants: () => true, emit: (_v, f) => frames.push(JSON.parse(f)) };
}

const NETWORK = { height: 123456, best_block_hash: 'ab', difficulty: 2, connections: 6, mempool_size: 12, mempool_bytes: 3000, tps: 145.7, block_interval_s: 58.4, network: 'main', subversion: '/Evrmore:1.0.5/' };

describe('The Block dialect: requests', () => {
  it('greets with the four available streams and a unix-seconds timestamp', () => {
    expect(JSON.parse(d.encodeWelcome!(TS))).toEqual({
      type: 'welcome', message: 'Connected to The Block real-time data stream', available_streams: ['network_metrics', 'markets_health', 'receipts', 'peers'], timestamp: 1_738_549_200,
    });
  });

  it('maps each stream onto a canonical topic or a derived stream', () => {
    expect(d.decode('{"type":"subscribe","stream":"network_metrics"}', false)).toEqual({ type: 'subscribe', target: { type: 'topic', topic: { kind: 'network', key: 'network' } }, raw: 'network_metrics' });
    expect(d.decode('{"type":"subscribe","stream":"peers"}', false)).toMatchObject({ target: { type: 'topic', topic: { key: 'peers' } } });
    expect(d.decode('{"type":"subscribe","stream":"receipts"}', false)).toMatchObject({ target: { type: 'derived', stream: 'receipts' } });
    expect(d.decode('{"type":"unsubscribe","stream":"markets_health"}', false)).toMatchObject({ type: 'unsubscribe', target: { type: 'derived', stream: 'markets_health' } });
    expect(d.decode('{"type":"ping"}', false)).toEqual({ type: 'ping' });
  });

  it('answers the documented error shape with its messages', () => {
    expect(d.decode('{"type":"subscribe","stream":"weather"}', false)).toMatchObject({ type: 'invalid', error: { message: 'Invalid stream name' } });
    expect(d.decode('{"type":"subscribe"}', false)).toMatchObject({ type: 'invalid', error: { message: 'Invalid stream name' } });
    expect(d.decode('nope', false)).toMatchObject({ type: 'invalid', error: { reason: 'invalid_json', message: 'Invalid JSON' } });
    expect(d.decode('{"type":"dance"}', false)).toMatchObject({ type: 'invalid', error: { message: 'Unknown message type: dance' } });
    expect(JSON.parse(d.encodeError({ reason: 'invalid_topic', code: 1001, message: 'Invalid stream name' }, undefined))).toEqual({ type: 'error', message: 'Invalid stream name' });
  });

  it('acknowledges with subscribed/unsubscribed and answers pings with pong', () => {
    const target = { type: 'derived', stream: 'receipts', variant: '' } as const;
    expect(JSON.parse(d.encodeAck({ action: 'subscribe', raw: 'receipts', target, ref: undefined, nowMs: TS }))).toEqual({ type: 'subscribed', stream: 'receipts', timestamp: 1_738_549_200 });
    expect(JSON.parse(d.encodeAck({ action: 'unsubscribe', raw: 'receipts', target, ref: undefined, nowMs: TS }))).toEqual({ type: 'unsubscribed', stream: 'receipts', timestamp: 1_738_549_200 });
    expect(JSON.parse(d.encodeReply({ type: 'pong', ref: undefined, nowMs: TS }))).toEqual({ type: 'pong', timestamp: 1_738_549_200 });
  });
});

describe('The Block dialect: streams', () => {
  it('maps the network summary onto network_metrics with every documented field', () => {
    expect(JSON.parse(d.encodeEvent(env('ctl', 'network', NETWORK))!)).toEqual({
      type: 'network_metrics',
      data: { network_strength: 75, block_height: 123456, finality_time: 58, peer_count: 6, tps: 145.7, bandwidth_in: 0, bandwidth_out: 0, active_connections: 6 },
      timestamp: 1_738_549_200,
    });
  });

  it('maps the peer list onto peers', () => {
    const peers = { peers: [{ id: 3, addr: '192.168.1.100:8820', inbound: true, ping_ms: 45, subver: '/x/', synced_blocks: 100 }, { id: 4, addr: 'b', inbound: false, ping_ms: null, subver: '', synced_blocks: null }], total: 2 };
    expect(JSON.parse(d.encodeEvent(env('ctl', 'peers', peers))!)).toEqual({
      type: 'peers',
      data: { peers: [{ id: 'peer_3', address: '192.168.1.100:8820', latency_ms: 45, is_validator: true }, { id: 'peer_4', address: 'b', latency_ms: null, is_validator: false }], total: 2 },
      timestamp: 1_738_549_200,
    });
  });

  it('has nothing to say about other events', () => {
    expect(d.encodeEvent(env('blocks', 'block', { hash: 'x' }))).toBeUndefined();
    expect(d.encodeEvent(env('ctl', 'probe', {}))).toBeUndefined();
  });

  it('batches asset transfers into receipts once they are confirmed, new ones only', () => {
    const state = d.derived!.get('receipts')!.create();
    const o = out();
    const txid = 'cd'.repeat(32);
    state.add(env('assets', 'asset', { txid, asset: 'ROCKET', amount: 100, type: 'transfer', vout: 1, address: 'EXto', from: 'EXfrom' }), o);
    state.add(env('status', 'tx_status', { txid: 'ee'.repeat(32), status: 'confirmed', confirmations: 1, blockhash: 'bb', height: 9 }, { tx: 'ee'.repeat(32) }), o);
    state.flush!(TS, o);
    expect(o.frames).toEqual([]); // not mined yet: nothing to send
    state.add(env('status', 'tx_status', { txid, status: 'confirmed', confirmations: 1, blockhash: 'bb', height: 9 }, { tx: txid }), o);
    state.flush!(TS + 3000, o);
    expect(o.frames).toEqual([{
      type: 'receipts',
      data: { receipts: [{ id: `${txid}:1`, market: 'ROCKET', block_height: 9, timestamp: 1_738_549_200, provider: 'EXfrom', consumer: 'EXto', amount: 100 }], count: 1 },
      timestamp: 1_738_549_203,
    }]);
    state.add(env('status', 'tx_status', { txid, status: 'confirmed', confirmations: 2, blockhash: 'bb', height: 9 }, { tx: txid }), o);
    state.flush!(TS + 6000, o);
    expect(o.frames).toHaveLength(1);
  });

  it('reports markets_health from the latest summary, and unknown when it is stale', () => {
    const state = d.derived!.get('markets_health')!.create();
    const o = out();
    state.flush!(TS, o);
    expect(o.frames).toEqual([]);
    state.add(env('ctl', 'network', NETWORK), o);
    state.add(env('ctl', 'peers', { peers: [], total: 9 }), o);
    state.flush!(TS + 1000, o);
    expect(o.frames[0]).toEqual({
      type: 'markets_health',
      data: {
        overall_status: 'healthy',
        markets: {
          compute: { status: 'healthy', active_jobs: 123456, total_providers: 6 },
          storage: { status: 'healthy', active_jobs: 12, total_providers: 6 },
          energy: { status: 'healthy', active_jobs: 6, total_providers: 9 },
          ads: { status: 'healthy', active_jobs: 8742, total_providers: 6 },
        },
        healthy_markets: 4,
        total_markets: 4,
      },
      timestamp: 1_738_549_201,
    });
    expect(marketsHealth(NETWORK, 9, false)).toMatchObject({ overall_status: 'unknown', healthy_markets: 0 });
    expect(marketsHealth({ ...NETWORK, connections: 0 }, 0, true)).toMatchObject({ overall_status: 'down', healthy_markets: 2 });
    expect(Object.keys((marketsHealth(NETWORK, 9, true) as { markets: object }).markets)).toEqual(['compute', 'storage', 'energy', 'ads']);
    expect(marketsHealth({ ...NETWORK, block_interval_s: 900 }, 0, true)).toMatchObject({ overall_status: 'degraded' });
  });
});
