import { describe, expect, it } from 'vitest';
import { composeWire, type Envelope } from '../envelope.js';
import { chainfanDialect as d } from './chainfan.js';
import { describeDialectContract } from './dialect.contract.js';
import { evrmoreRpcDialect } from './evrmore-rpc.js';

describeDialectContract('chainfanDialect', d);

const target = { type: 'topic', topic: { kind: 'blocks', key: 'blocks' } } as const;

describe('chainfan (native) dialect', () => {
  it('reads request ids (short strings or numbers) on every request kind', () => {
    expect(d.decode('{"action":"subscribe","topic":"blocks","id":7}', false)).toEqual({ type: 'subscribe', target, raw: 'blocks', ref: '7' });
    expect(d.decode('{"action":"unsubscribe","topic":"blocks","id":"u-1"}', false)).toMatchObject({ type: 'unsubscribe', ref: '"u-1"' });
    expect(d.decode('{"command":"getblockcount","id":2}', false)).toMatchObject({ type: 'rpc', ref: '2' });
    expect(d.decode('{"action":"ping","id":3}', false)).toEqual({ type: 'ping', ref: '3' });
    expect(d.decode('{"action":"subscribe","topic":"weather","id":4}', false)).toMatchObject({ type: 'invalid', error: { code: 1001 }, ref: '4' });
    expect(d.decode(`{"action":"subscribe","topic":"blocks","id":"${'x'.repeat(200)}"}`, false)).not.toHaveProperty('ref');
    expect(d.decode('{"action":"subscribe","topic":"blocks","id":{"a":1}}', false)).not.toHaveProperty('ref');
  });

  it('echoes the id in acks, errors and answers, and omits it when there was none', () => {
    expect(d.encodeAck({ action: 'subscribe', raw: 'blocks', target, ref: '7', nowMs: 0 }))
      .toBe('{"type":"subscription","id":7,"data":{"status":"success","topic":"blocks","action":"subscribe"}}');
    expect(d.encodeAck({ action: 'subscribe', raw: 'blocks', target, ref: undefined, nowMs: 0 }))
      .toBe(evrmoreRpcDialect.encodeAck({ action: 'subscribe', raw: 'blocks', target, ref: undefined, nowMs: 0 }));
    expect(JSON.parse(d.encodeError({ reason: 'invalid_topic', code: 1001, message: 'Invalid topic: x' }, '"a"'))).toEqual({ type: 'error', id: 'a', data: { code: 1001, message: 'Invalid topic: x' } });
    expect(JSON.parse(d.encodeReply({ type: 'pong', ref: '3', nowMs: 5 }))).toEqual({ type: 'pong', id: 3, data: { timestamp: 5 } });
    expect(JSON.parse(d.encodeReply({ type: 'rpc', ref: '2', method: 'getblockcount', params: [], result: '9' })))
      .toEqual({ type: 'result', id: 2, data: { command: 'getblockcount', params: [], result: 9 } });
  });

  it('serves every canonical topic', () => {
    for (const t of ['blocks', 'transactions', 'mempool', 'sequence', 'assets', 'reorgs', 'network', 'peers', `address:EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1`, 'asset:ROCKET', `tx:${'ab'.repeat(32)}`]) {
      expect(d.decode(JSON.stringify({ action: 'subscribe', topic: t }), false), t).toMatchObject({ type: 'subscribe', target: { type: 'topic' } });
    }
  });

  it('frames events exactly like evrmore-rpc, positions included', () => {
    const env: Envelope = { v: 1, channel: 'ctl', epoch: 'e', seq: 3, ts: 1, kind: 'network', keys: {}, body: '{"height":1}', wire: composeWire('e', 3, '"ch":"ctl","ts":1,"k":"network"}\n{"height":1}') };
    expect(d.encodeEvent(env)).toBe('{"type":"network","channel":"ctl","epoch":"e","seq":3,"data":{"height":1}}');
    expect(d.encodeEvent(env)).toBe(evrmoreRpcDialect.encodeEvent(env));
  });
});
