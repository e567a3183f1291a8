import { describe, expect, it } from 'vitest';
import { composeWire, type Envelope } from '../envelope.js';
import type { Ack } from './dialect.js';
import { describeDialectContract } from './dialect.contract.js';
import { chainfanDialect } from './chainfan.js';
import { evrmoreRpcDialect as d } from './evrmore-rpc.js';

describeDialectContract('evrmoreRpcDialect', d);

function env(kind: string, body: string): Envelope {
  return { v: 1, channel: 'txs', epoch: 'e', seq: 7, ts: 1, kind, keys: {}, body, wire: composeWire('e', 7, `"ch":"txs","ts":1,"k":"${kind}"}\n${body}`) };
}

const ack = (action: 'subscribe' | 'unsubscribe', raw: string): Ack => ({ action, raw, target: { type: 'derived', stream: 'x', variant: '' }, ref: '"r1"', nowMs: 0 });
const bytes = (s: string): ArrayBuffer => new TextEncoder().encode(s).buffer as ArrayBuffer;

describe('evrmore-rpc dialect: decoding client commands', () => {
  it('decodes the compact pydantic form and the spaced json.dumps form alike', () => {
    expect(d.decode('{"action":"subscribe","topic":"blocks"}', false)).toEqual({ type: 'subscribe', target: { type: 'topic', topic: { kind: 'blocks', key: 'blocks' } }, raw: 'blocks' });
    expect(d.decode('{"action": "unsubscribe", "topic": "transactions"}', false))
      .toEqual({ type: 'unsubscribe', target: { type: 'topic', topic: { kind: 'transactions', key: 'transactions' } }, raw: 'transactions' });
  });

  it('treats block≡blocks and transaction≡transactions but keeps the client spelling for the ack', () => {
    expect(d.decode('{"action":"subscribe","topic":"block"}', false)).toEqual({ type: 'subscribe', target: { type: 'topic', topic: { kind: 'blocks', key: 'blocks' } }, raw: 'block' });
    expect(d.decode('{"action":"subscribe","topic":"transaction"}', false)).toMatchObject({ target: { topic: { key: 'transactions' } }, raw: 'transaction' });
  });

  it('accepts sequence, all, assets, mempool and the parameterised topics', () => {
    for (const t of ['sequence', 'all', 'assets', 'mempool', 'address:EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1', 'asset:MY_TOKEN', `tx:${'ab'.repeat(32)}`]) {
      expect(d.decode(JSON.stringify({ action: 'subscribe', topic: t }), false)).toMatchObject({ type: 'subscribe', raw: t });
    }
  });

  it('ignores unknown keys and accepts binary frames holding UTF-8 JSON', () => {
    expect(d.decode('{"topic":"all","id":3,"action":"subscribe","extra":{"x":[1]}}', false)).toMatchObject({ type: 'subscribe', target: { topic: { kind: 'all' } } });
    expect(d.decode(bytes('{"action":"subscribe","topic":"sequence"}'), true)).toMatchObject({ type: 'subscribe', target: { topic: { kind: 'sequence' } } });
  });

  it('answers the simulator codes: 1004 invalid JSON, 1003 invalid action, 1001 invalid topic, 1002 unknown unsubscribe, 1005 other', () => {
    expect(d.decode('{"action":', false)).toEqual({ type: 'invalid', error: { code: 1004, message: 'Invalid JSON', reason: 'invalid_json' } });
    expect(d.decode(bytes('\uFFFD').slice(1), true)).toMatchObject({ error: { code: 1004 } });
    expect(d.decode(new Uint8Array([0xc3, 0x28]).buffer, true)).toMatchObject({ error: { code: 1004 } });
    expect(d.decode('{"action":"publish","topic":"blocks"}', false)).toEqual({ type: 'invalid', error: { code: 1003, message: 'Invalid action: publish', reason: 'invalid_action' } });
    expect(d.decode('{"action":7,"topic":"blocks"}', false)).toMatchObject({ error: { code: 1003, message: 'Invalid action: 7' } });
    expect(d.decode('{"action":"subscribe","topic":"weather"}', false)).toEqual({ type: 'invalid', error: { code: 1001, message: 'Invalid topic: weather', reason: 'invalid_topic' } });
    expect(d.decode('{"action":"unsubscribe","topic":"weather"}', false))
      .toEqual({ type: 'invalid', error: { code: 1002, message: 'Not subscribed to topic: weather', reason: 'not_subscribed' } });
    expect(d.decode('[ "action", "topic" ]', false)).toMatchObject({ error: { code: 1005 } });
    expect(d.decode('null', false)).toMatchObject({ error: { code: 1005 } });
  });

  it('bounds the client text it echoes in error messages', () => {
    const cmd = d.decode(JSON.stringify({ action: 'x'.repeat(5000), topic: 'blocks' }), false);
    expect(cmd).toMatchObject({ type: 'invalid', error: { code: 1003 } });
    expect(cmd.type === 'invalid' && cmd.error.message.length).toBeLessThan(200);
  });

  it('does not let __proto__ stand in for the required keys', () => {
    expect(d.decode('{"__proto__":{"action":"subscribe","topic":"blocks"}}', false)).toMatchObject({ error: { code: 1005 } });
  });
});

describe('evrmore-rpc dialect: encoding server frames', () => {
  it('encodes acks exactly like the simulator', () => {
    expect(d.encodeAck(ack('subscribe', 'block'))).toBe('{"type":"subscription","data":{"status":"success","topic":"block","action":"subscribe"}}');
    expect(JSON.parse(d.encodeAck(ack('unsubscribe', 'blocks')))).toEqual({ type: 'subscription', data: { status: 'success', topic: 'blocks', action: 'unsubscribe' } });
  });

  it('encodes errors as {"type":"error","data":{"code","message"}}', () => {
    expect(d.encodeError({ reason: 'invalid_json', code: 1004, message: 'Invalid JSON' }, '7')).toBe('{"type":"error","data":{"code":1004,"message":"Invalid JSON"}}');
  });

  it('maps envelope kinds onto the singular evrmore-rpc types', () => {
    const types = (kind: string): unknown => (JSON.parse(d.encodeEvent(env(kind, '{}'))!) as { type: unknown }).type;
    expect(types('block')).toBe('block');
    expect(types('tx')).toBe('transaction');
    expect(types('asset')).toBe('asset');
    expect(types('mempool')).toBe('mempool');
    expect(types('sequence')).toBe('sequence');
    expect(types('reorg')).toBe('reorg');
    expect(types('constructor')).toBe('constructor');
  });

  it('splices the body after the position keys, with the documented counts and optional keys, and always carries a data key', () => {
    const body = '{"txid":"ab","vin":[],"vout":[{"value":1.5}],"s":"\\u00e9"}';
    expect(d.encodeEvent(env('tx', body))).toBe(
      `{"type":"transaction","channel":"txs","epoch":"e","seq":7,"data":${body.slice(0, -1)},"vin_count":0,"vout_count":1,"blockhash":null,"confirmations":null,"time":null,"blocktime":null}}`,
    );
    // bodies without the node's lists are not node transactions or blocks: spliced as they are
    expect(d.encodeEvent(env('tx', '{"txid":"ab"}'))).toBe('{"type":"transaction","channel":"txs","epoch":"e","seq":7,"data":{"txid":"ab"}}');
    expect(d.encodeEvent(env('block', '{"height":1}'))).toBe('{"type":"block","channel":"txs","epoch":"e","seq":7,"data":{"height":1}}');
    const mined = '{"txid":"ab","vin":[{}],"vout":[],"blockhash":"bb","confirmations":1,"time":5,"blocktime":5}';
    expect(d.encodeEvent(env('tx', mined))).toBe(`{"type":"transaction","channel":"txs","epoch":"e","seq":7,"data":${mined.slice(0, -1)},"vin_count":1,"vout_count":0}}`);
    expect(JSON.parse(d.encodeEvent(env('block', '{"hash":"h","tx":["a","b"],"previousblockhash":"p"}'))!)).toMatchObject({ data: { hash: 'h', tx_count: 2, nextblockhash: null, previousblockhash: 'p' } });
    expect(d.encodeEvent(env('mempool', '{"size":1}'))).toBe('{"type":"mempool","channel":"txs","epoch":"e","seq":7,"data":{"size":1}}');
    // the native dialect carries the node's JSON untouched
    expect(chainfanDialect.encodeEvent(env('tx', body))).toBe(`{"type":"transaction","channel":"txs","epoch":"e","seq":7,"data":${body}}`);
    expect(JSON.parse(d.encodeEvent(env('block', ''))!)).toEqual({ type: 'block', channel: 'txs', epoch: 'e', seq: 7, data: null });
  });

  it('adds positions to acks of subscribes that asked for them, and nothing otherwise', () => {
    expect(d.encodeAck({ ...ack('subscribe', 'blocks'), positions: new Map([['blocks', { epoch: '17', seq: 4 }]]) }))
      .toBe('{"type":"subscription","data":{"status":"success","topic":"blocks","action":"subscribe","positions":{"blocks":{"epoch":"17","seq":4}}}}');
    expect(d.encodeAck(ack('subscribe', 'blocks'))).toBe('{"type":"subscription","data":{"status":"success","topic":"blocks","action":"subscribe"}}');
  });

  it('encodes resync notices', () => {
    expect(JSON.parse(d.encodeResync({ topic: 'block', channel: 'blocks', reason: 'slow_consumer', subscribed: false, position: { epoch: '9', seq: 41 } })!))
      .toEqual({ type: 'resync', data: { topic: 'block', channel: 'blocks', reason: 'slow_consumer', subscribed: false, epoch: '9', seq: 41 } });
  });

  it('has no application heartbeat: evrmore-rpc relies on WebSocket pings', () => {
    expect(d.heartbeat).toBeUndefined();
  });
});

describe('evrmore-rpc dialect: subscribe with since', () => {
  it('decodes a single position for a one-channel topic', () => {
    expect(d.decode('{"action":"subscribe","topic":"blocks","since":{"epoch":"1700","seq":12}}', false)).toEqual({
      type: 'subscribe', target: { type: 'topic', topic: { kind: 'blocks', key: 'blocks' } }, raw: 'blocks', since: new Map([['blocks', { epoch: '1700', seq: 12 }]]),
    });
  });

  it('decodes "now" and per-channel maps; channels left out mean now', () => {
    expect(d.decode('{"action":"subscribe","topic":"all","since":"now"}', false))
      .toMatchObject({ since: new Map([['blocks', undefined], ['txs', undefined], ['sequence', undefined]]) });
    expect(d.decode('{"action":"subscribe","topic":"all","since":{"txs":{"epoch":"e","seq":3},"blocks":"now"}}', false))
      .toMatchObject({ since: new Map([['blocks', undefined], ['txs', { epoch: 'e', seq: 3 }], ['sequence', undefined]]) });
  });

  it('answers 1010 for a since it cannot use', () => {
    for (const since of [{ epoch: 'e', seq: -1 }, { epoch: 7, seq: 1 }, { seq: 1 }, 'later', [1], { mempool: { epoch: 'e', seq: 1 } }, { txs: { epoch: 'e', seq: 1.5 } }]) {
      expect(d.decode(JSON.stringify({ action: 'subscribe', topic: 'transactions', since }), false), JSON.stringify(since))
        .toMatchObject({ type: 'invalid', error: { code: 1010, reason: 'invalid_since' } });
    }
    expect(d.decode('{"action":"subscribe","topic":"all","since":{"epoch":"e","seq":1}}', false))
      .toMatchObject({ type: 'invalid', error: { code: 1010, message: 'Invalid since: this topic spans several channels: give one position per channel' } });
  });

  it('answers 1008 for a topic over the length limit', () => {
    expect(d.decode(JSON.stringify({ action: 'subscribe', topic: `address:${'x'.repeat(200)}` }), false))
      .toMatchObject({ type: 'invalid', error: { code: 1008, reason: 'topic_too_long' } });
  });
});

describe('evrmore-rpc dialect: the documented command messages', () => {
  it('decodes {"command","params"} into an RPC request (params default to none)', () => {
    expect(d.decode('{"command":"getblockchaininfo","params":[]}', false)).toEqual({ type: 'rpc', method: 'getblockchaininfo', params: [] });
    expect(d.decode('{"command":"getblockhash"}', false)).toEqual({ type: 'rpc', method: 'getblockhash', params: [] });
    expect(d.decode('{"command":"getblock","params":["00ab",1],"id":9}', false)).toEqual({ type: 'rpc', method: 'getblock', params: ['00ab', 1] });
  });

  it('refuses commands that are not method names, and params that are not a list, with 1005', () => {
    for (const f of ['{"command":"get block"}', '{"command":7}', '{"command":"getblock","params":{"a":1}}', `{"command":"${'a'.repeat(65)}"}`]) {
      expect(d.decode(f, false), f).toMatchObject({ type: 'invalid', error: { code: 1005, reason: 'bad_command' } });
    }
  });

  it('answers a command with {"type":"result","data":{command, params, result}} and no id', () => {
    expect(d.encodeReply({ type: 'rpc', ref: '3', method: 'getblockcount', params: [], result: '42' }))
      .toBe('{"type":"result","data":{"command":"getblockcount","params":[],"result":42}}');
  });

  it('ignores request ids and pings: the 1.2.1 client sends neither', () => {
    expect(d.decode('{"action":"ping","id":1}', false)).toMatchObject({ type: 'invalid', error: { code: 1005 } });
    expect(d.encodeError({ reason: 'invalid_json', code: 1004, message: 'Invalid JSON' }, '7')).not.toContain('"id"');
  });
});
