import { describe, expect, it } from 'vitest';
import { composeWire, type Envelope } from '../envelope.js';
import { describeDialectContract } from './dialect.contract.js';
import { evrmoreRpcDialect as d } from './evrmore-rpc.js';

describeDialectContract('evrmoreRpcDialect', d);

function env(kind: string, body: string): Envelope {
  return { v: 1, channel: 'txs', epoch: 'e', seq: 7, ts: 1, kind, keys: {}, body, wire: composeWire('e', 7, `"ch":"txs","ts":1,"k":"${kind}"}\n${body}`) };
}

const bytes = (s: string): ArrayBuffer => new TextEncoder().encode(s).buffer as ArrayBuffer;

describe('evrmore-rpc dialect: decoding client commands', () => {
  it('decodes the compact pydantic form and the spaced json.dumps form alike', () => {
    expect(d.decode('{"action":"subscribe","topic":"blocks"}', false)).toEqual({ type: 'subscribe', topic: { kind: 'blocks', key: 'blocks' }, raw: 'blocks' });
    expect(d.decode('{"action": "unsubscribe", "topic": "transactions"}', false))
      .toEqual({ type: 'unsubscribe', topic: { kind: 'transactions', key: 'transactions' }, raw: 'transactions' });
  });

  it('treats block≡blocks and transaction≡transactions but keeps the client spelling for the ack', () => {
    expect(d.decode('{"action":"subscribe","topic":"block"}', false)).toEqual({ type: 'subscribe', topic: { kind: 'blocks', key: 'blocks' }, raw: 'block' });
    expect(d.decode('{"action":"subscribe","topic":"transaction"}', false)).toMatchObject({ topic: { key: 'transactions' }, raw: 'transaction' });
  });

  it('accepts sequence, all, assets, mempool and the parameterised topics', () => {
    for (const t of ['sequence', 'all', 'assets', 'mempool', 'address:EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1', 'asset:MY_TOKEN', `tx:${'ab'.repeat(32)}`]) {
      expect(d.decode(JSON.stringify({ action: 'subscribe', topic: t }), false)).toMatchObject({ type: 'subscribe', raw: t });
    }
  });

  it('ignores unknown keys and accepts binary frames holding UTF-8 JSON', () => {
    expect(d.decode('{"topic":"all","id":3,"action":"subscribe","extra":{"x":[1]}}', false)).toMatchObject({ type: 'subscribe', topic: { kind: 'all' } });
    expect(d.decode(bytes('{"action":"subscribe","topic":"sequence"}'), true)).toMatchObject({ type: 'subscribe', topic: { kind: 'sequence' } });
  });

  it('answers the simulator codes: 1004 invalid JSON, 1003 invalid action, 1001 invalid topic, 1002 unknown unsubscribe, 1005 other', () => {
    expect(d.decode('{"action":', false)).toEqual({ type: 'invalid', code: 1004, message: 'Invalid JSON', reason: 'invalid_json' });
    expect(d.decode(bytes('\uFFFD').slice(1), true)).toMatchObject({ code: 1004 });
    expect(d.decode(new Uint8Array([0xc3, 0x28]).buffer, true)).toMatchObject({ code: 1004 });
    expect(d.decode('{"action":"publish","topic":"blocks"}', false)).toEqual({ type: 'invalid', code: 1003, message: 'Invalid action: publish', reason: 'invalid_action' });
    expect(d.decode('{"action":7,"topic":"blocks"}', false)).toMatchObject({ code: 1003, message: 'Invalid action: 7' });
    expect(d.decode('{"action":"subscribe","topic":"weather"}', false)).toEqual({ type: 'invalid', code: 1001, message: 'Invalid topic: weather', reason: 'invalid_topic' });
    expect(d.decode('{"action":"unsubscribe","topic":"weather"}', false))
      .toEqual({ type: 'invalid', code: 1002, message: 'Not subscribed to topic: weather', reason: 'not_subscribed' });
    expect(d.decode('{"command":"getblockchaininfo","params":[]}', false)).toMatchObject({ type: 'invalid', code: 1005, reason: 'bad_command' });
    expect(d.decode('[ "action", "topic" ]', false)).toMatchObject({ code: 1005 });
    expect(d.decode('null', false)).toMatchObject({ code: 1005 });
  });

  it('bounds the client text it echoes in error messages', () => {
    const cmd = d.decode(JSON.stringify({ action: 'x'.repeat(5000), topic: 'blocks' }), false);
    expect(cmd).toMatchObject({ type: 'invalid', code: 1003 });
    expect(cmd.type === 'invalid' && cmd.message.length).toBeLessThan(200);
  });

  it('does not let __proto__ stand in for the required keys', () => {
    expect(d.decode('{"__proto__":{"action":"subscribe","topic":"blocks"}}', false)).toMatchObject({ code: 1005 });
  });
});

describe('evrmore-rpc dialect: encoding server frames', () => {
  it('encodes acks exactly like the simulator', () => {
    expect(d.encodeAck('subscribe', 'block')).toBe('{"type":"subscription","data":{"status":"success","topic":"block","action":"subscribe"}}');
    expect(JSON.parse(d.encodeAck('unsubscribe', 'blocks'))).toEqual({ type: 'subscription', data: { status: 'success', topic: 'blocks', action: 'unsubscribe' } });
  });

  it('encodes errors as {"type":"error","data":{"code","message"}}', () => {
    expect(d.encodeError(1004, 'Invalid JSON')).toBe('{"type":"error","data":{"code":1004,"message":"Invalid JSON"}}');
  });

  it('maps envelope kinds onto the singular evrmore-rpc types', () => {
    const types = (kind: string): unknown => (JSON.parse(d.encodeEvent(env(kind, '{}'))) as { type: unknown }).type;
    expect(types('block')).toBe('block');
    expect(types('tx')).toBe('transaction');
    expect(types('asset')).toBe('asset');
    expect(types('mempool')).toBe('mempool');
    expect(types('sequence')).toBe('sequence');
    expect(types('reorg')).toBe('reorg');
    expect(types('constructor')).toBe('constructor');
  });

  it('splices the body verbatim and always carries a data key', () => {
    const body = '{"txid":"ab","vout":[{"value":1.5}],"s":"\\u00e9"}';
    expect(d.encodeEvent(env('tx', body))).toBe(`{"type":"transaction","data":${body}}`);
    expect(JSON.parse(d.encodeEvent(env('block', '')))).toEqual({ type: 'block', data: null });
  });
});
