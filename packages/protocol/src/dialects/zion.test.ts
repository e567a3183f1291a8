import { describe, expect, it } from 'vitest';
import { type BusChannel } from '../channels.js';
import { composeWire, type Envelope } from '../envelope.js';
import { describeDialectContract } from './dialect.contract.js';
import type { DerivedOutput } from './dialect.js';
import { blockReward, zionDialect as d } from './zion.js';

describeDialectContract('zionDialect', d);

const TS = 1_738_549_200_000;
function env(channel: BusChannel, kind: string, body: unknown): Envelope {
  const b = typeof body === 'string' ? body : JSON.stringify(body);
  return { v: 1, channel, epoch: 'e', seq: 1, ts: TS, kind, keys: {}, body: b, wire: composeWire('e', 1, `"ch":"${channel}","ts":${TS},"k":"${kind}"}\n${b}`) };
}
function out(): DerivedOutput & { frames: unknown[] } {
  const frames: unknown[] = [];
  return { frames, wants: () => true, emit: (_v, f) => frames.push(JSON.parse(f)) };
}

describe('ZION dialect', () => {
  it('greets with the server and its channels', () => {
    const w = JSON.parse(d.encodeWelcome!(TS)) as Record<string, unknown>;
    expect(w).toMatchObject({ type: 'welcome', server: { name: 'chainfan' }, timestamp: 1_738_549_200 });
    expect(w['channels']).toEqual(['blockchain', 'transactions', 'mempool', 'assets', 'reorgs', 'peers', 'mining']);
  });

  it('turns one subscribe with several channels into one subscription per channel', () => {
    expect(d.decode('{"type":"subscribe","channels":["blockchain","mining"]}', false)).toEqual({
      type: 'batch',
      commands: [
        { type: 'subscribe', target: { type: 'topic', topic: { kind: 'blocks', key: 'blocks' } }, raw: 'blockchain' },
        { type: 'subscribe', target: { type: 'derived', stream: 'mining', variant: '' }, raw: 'mining' },
      ],
    });
    expect(d.decode('{"type":"subscribe","channels":["blockchain"]}', false)).toMatchObject({ type: 'subscribe', raw: 'blockchain' });
    expect(d.decode('{"type":"subscribe","channels":["blockchain","weather"]}', false)).toMatchObject({
      type: 'batch', commands: [{ type: 'subscribe' }, { type: 'invalid', error: { message: 'Unknown channel: weather' } }],
    });
    expect(d.decode('{"type":"subscribe","channels":[]}', false)).toMatchObject({ type: 'invalid' });
  });

  it('decodes ping and get_status, and refuses the rest', () => {
    expect(d.decode('{"type":"ping"}', false)).toEqual({ type: 'ping' });
    expect(d.decode('{"type":"get_status"}', false)).toEqual({ type: 'status' });
    expect(d.decode('{"type":"fly"}', false)).toMatchObject({ type: 'invalid', error: { reason: 'invalid_action' } });
    expect(JSON.parse(d.encodeError({ reason: 'invalid_json', code: 1004, message: 'Invalid JSON' }, undefined))).toEqual({ type: 'error', code: 1004, message: 'Invalid JSON' });
  });

  it('sends chain events as {"type":"event","event_type",…} with the body untouched', () => {
    expect(d.encodeEvent(env('blocks', 'block', { hash: 'ab', height: 3 })))
      .toBe('{"type":"event","event_type":"new_block","channel":"blockchain","timestamp":1738549200,"data":{"hash":"ab","height":3}}');
    expect(JSON.parse(d.encodeEvent(env('txs', 'tx', { txid: 'cd' }))!)).toMatchObject({ event_type: 'new_transaction', channel: 'transactions' });
    expect(d.encodeEvent(env('status', 'tx_status', {}))).toBeUndefined();
  });

  it('sends the network summary as metrics_update', () => {
    const m = JSON.parse(d.encodeEvent(env('ctl', 'network', { height: 5, difficulty: 2, connections: 3, mempool_size: 1, tps: 0.5, block_interval_s: 60 }))!) as Record<string, unknown>;
    expect(m).toMatchObject({ type: 'metrics_update', timestamp: 1_738_549_200, data: { blockchain: { height: 5 }, mining: { difficulty: 2, height: 5 }, network: { connections: 3 }, mempool: { size: 1 } } });
  });

  it('answers get_status with cluster numbers and the last summary', () => {
    const s = JSON.parse(d.encodeReply({ type: 'status', ref: undefined, nowMs: TS, status: { subscriptions: ['blockchain'], connections: 12, edges: 2, network: '{"height":5}' } })) as Record<string, unknown>;
    expect(s).toMatchObject({ type: 'status', data: { server_running: true, connected_clients: 12, edges: 2, subscriptions: ['blockchain'], blockchain: { height: 5 } } });
  });

  it('holds metrics and broadcast events from the open, and splices broadcasts into event frames', () => {
    expect(d.implicit).toEqual([{ type: 'topic', topic: { kind: 'network', key: 'network' } }, { type: 'derived', stream: 'events', variant: '' }]);
    const events = d.derived!.get('events')!.create();
    const o = out();
    events.add(env('ctl', 'broadcast', { event_type: 'custom_event', data: { message: 'Hello World' }, timestamp: 5 }), o);
    events.add(env('ctl', 'network', {}), o);
    events.add(env('ctl', 'broadcast', '{"evil":1}'), o);
    expect(o.frames).toEqual([{ type: 'event', event_type: 'custom_event', data: { message: 'Hello World' }, timestamp: 5 }]);
  });

  it('pays the block subsidy, halving every 1,648,776 blocks', () => {
    expect([blockReward(0), blockReward(1_648_775), blockReward(1_648_776), blockReward(3 * 1_648_776)]).toEqual([2778, 2778, 1389, 347.25]);
    expect(blockReward(64 * 1_648_776)).toBe(0);
  });

  it('derives block_found events for the mining channel', () => {
    const mining = d.derived!.get('mining')!.create();
    const o = out();
    mining.add(env('blocks', 'block', { hash: 'ab', height: 3, time: 9, difficulty: 1.5, tx: ['a', 'b'] }), o);
    expect(o.frames).toEqual([{ type: 'event', event_type: 'block_found', channel: 'mining', data: { height: 3, hash: 'ab', reward: 2778, time: 9, difficulty: 1.5, tx_count: 2 }, timestamp: 1_738_549_200 }]);
  });
});
