import { describe, expect, it } from 'vitest';
import { evrmoreRpcProtocol, protocolFor, socketIoProtocol } from './client-protocols.js';

describe('client protocols', () => {
  it('evrmore-rpc: subscribes on open and recognises the ack and a refusal', () => {
    const p = evrmoreRpcProtocol({ topic: 'transactions', batched: true });
    expect(p.path).toBe('/?batch=1');
    const sent: string[] = [];
    p.onOpen((t) => sent.push(t));
    expect(sent).toEqual(['{"action":"subscribe","topic":"transactions"}']);
    expect(p.onControl('{"type":"subscription","data":{"status":"success","topic":"transactions","action":"subscribe"}}', () => undefined)).toBe('subscribed');
    expect(p.onControl('{"type":"error","data":{"code":1001,"message":"Invalid topic"}}', () => undefined)).toBe('refused');
    expect(protocolFor({ kind: 'evrmore-rpc', topic: 'blocks' }).path).toBe('/');
  });

  it('socket.io: open → namespace connect → subscribe with ack id 0 → ack; pings get pongs', () => {
    const p = socketIoProtocol({ topic: 'transactions' });
    const sent: string[] = [];
    const send = (t: string): void => void sent.push(t);
    p.onOpen(send);
    expect(p.onControl('0{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000}', send)).toBe('other');
    expect(p.onControl('40{"sid":"y"}', send)).toBe('other');
    expect(p.onControl('2', send)).toBe('other');
    expect(p.onControl('430["ok"]', send)).toBe('subscribed');
    expect(sent).toEqual(['40', '420["subscribe","transactions"]', '3']);
    expect(p.onControl('44{"message":"nope"}', send)).toBe('refused');
  });
});
