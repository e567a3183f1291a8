import { describe, expect, it } from 'vitest';
import { ManualClock } from '@chainfan/protocol';
import { BatchingTransport, batchTopic, wantsBatchedFrames } from './batching-transport.js';
import type { SendResult, UpgradeRequest, WsConnection, WsHandlers, WsTransport, WsTransportOptions } from './ws-transport.js';

interface Data {
  readonly name: string;
}

/** An in-memory WsTransport: connections, topic memberships and publishes, no sockets. */
class FakeTransport implements WsTransport {
  readonly handlers: WsHandlers<Data>;
  readonly published: { topic: string; frame: string; binary: boolean }[] = [];
  readonly conns: FakeConn[] = [];
  listening = false;

  constructor(handlers: WsHandlers<Data>) {
    this.handlers = handlers;
  }

  async connect(name: string, query: string): Promise<FakeConn> {
    const req: UpgradeRequest = { url: '/', query, origin: '', authorization: '', protocol: '', forwardedFor: '', remoteAddress: '127.0.0.1' };
    const d = await this.handlers.upgrade(req);
    if (!('accept' in d)) throw new Error('rejected');
    const c = new FakeConn(d.accept);
    expect(d.accept.name).toBe(name);
    this.conns.push(c);
    this.handlers.open(c);
    return c;
  }

  /** Frames each connection got, by topic membership at publish time. */
  received(c: FakeConn): string[] {
    return c.inbox;
  }

  listen(): Promise<number> {
    this.listening = true;
    return Promise.resolve(1);
  }
  stopListening(): void {
    this.listening = false;
  }
  publish(topic: string, frame: string | Uint8Array, binary: boolean): void {
    const text = typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8');
    this.published.push({ topic, frame: text, binary });
    for (const c of this.conns) if (c.topics.has(topic)) c.inbox.push(text);
  }
  close(): void {
    for (const c of this.conns.splice(0)) this.handlers.close(c, 1001, 'local');
  }
}

class FakeConn implements WsConnection<Data> {
  readonly data: Data;
  readonly topics = new Set<string>();
  readonly inbox: string[] = [];
  isOpen = true;
  constructor(data: Data) {
    this.data = data;
  }
  send(frame: string | Uint8Array): SendResult {
    this.inbox.push(typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8'));
    return 'sent';
  }
  bufferedAmount(): number {
    return 0;
  }
  subscribe(topic: string): void {
    this.topics.add(topic);
  }
  unsubscribe(topic: string): void {
    this.topics.delete(topic);
  }
  cork<T>(fn: () => T): T {
    return fn();
  }
  end(): void {
    this.isOpen = false;
  }
}

const OPTS: WsTransportOptions = { maxPayloadBytes: 1024, idleTimeoutSeconds: 60, hardBackpressureBytes: 1 << 20 };

function setup() {
  const timers = new ManualClock();
  const seen = { opened: [] as WsConnection<Data>[], closed: [] as WsConnection<Data>[], messages: [] as WsConnection<Data>[] };
  const edgeHandlers: WsHandlers<Data> = {
    upgrade: (req) => Promise.resolve({ accept: { name: new URLSearchParams(req.query).get('name') ?? '?' }, protocol: '' }),
    abandoned: () => undefined,
    open: (c) => seen.opened.push(c),
    message: (c) => seen.messages.push(c),
    drain: () => undefined,
    close: (c) => seen.closed.push(c),
  };
  let inner!: FakeTransport;
  const t = new BatchingTransport<Data>(OPTS, edgeHandlers, (_o, h) => (inner = new FakeTransport(h)), {
    windowMs: 2,
    maxBytes: 10_000,
    clock: timers,
    wants: (req) => wantsBatchedFrames(req.query),
  });
  /** What the Edge does for a new subscriber: subscribe through the connection it was handed. */
  const subscribe = (i: number, topic: string): void => seen.opened[i]!.subscribe(topic);
  return { t, inner, timers, seen, subscribe };
}

describe('BatchingTransport', () => {
  it('counts the bytes the coalescer holds for a batched socket\'s topics in its buffered amount (the backpressure limit sees them)', async () => {
    const { t, inner, timers, seen, subscribe } = setup();
    await inner.connect('plain', 'name=plain');
    await inner.connect('batched', 'name=batched&batch=1');
    subscribe(0, 'evrmore-rpc|blocks');
    subscribe(1, 'evrmore-rpc|blocks');
    subscribe(1, 'evrmore-rpc|mempool');
    t.publish('evrmore-rpc|blocks', 'x'.repeat(3_000), false);
    t.publish('evrmore-rpc|mempool', 'y'.repeat(2_000), false);
    expect(seen.opened[0]!.bufferedAmount()).toBe(0);
    expect(seen.opened[1]!.bufferedAmount()).toBe(5_000);
    timers.fireAll();
    expect(seen.opened[1]!.bufferedAmount()).toBe(0);
  });

  it('gives plain sockets every frame at once and batched sockets one joined frame per window', async () => {
    const { t, inner, timers, subscribe } = setup();
    const plain = await inner.connect('plain', 'name=plain');
    const batched = await inner.connect('batched', 'name=batched&batch=1');
    subscribe(0, 'evrmore-rpc|transactions');
    subscribe(1, 'evrmore-rpc|transactions');
    expect(batched.topics).toEqual(new Set([batchTopic('evrmore-rpc|transactions')]));
    t.publish('evrmore-rpc|transactions', '{"n":1}', false);
    t.publish('evrmore-rpc|transactions', Buffer.from('{"n":2}'), false);
    expect(plain.inbox).toEqual(['{"n":1}', '{"n":2}']);
    expect(batched.inbox).toEqual([]);
    timers.fireAll();
    expect(batched.inbox).toEqual(['{"n":1}\n{"n":2}']);
  });

  it('hands the Edge the same connection object in every handler of a batched socket', async () => {
    const { inner, seen } = setup();
    const c = await inner.connect('b', 'name=b&batch=1');
    inner.handlers.message(c, new ArrayBuffer(0), false);
    inner.handlers.close(c, 1000, 'peer');
    expect(seen.opened[0]).not.toBe(c);
    expect(seen.messages[0]).toBe(seen.opened[0]);
    expect(seen.closed[0]).toBe(seen.opened[0]);
    expect(seen.opened[0]!.data).toBe(c.data);
  });

  it('never gives a joining socket frames queued before it joined, nor loses frames queued before a leave', async () => {
    const { t, inner, timers, subscribe, seen } = setup();
    const early = await inner.connect('early', 'name=early&batch=1');
    subscribe(0, 'topic');
    t.publish('topic', '{"n":1}', false);
    const late = await inner.connect('late', 'name=late&batch=1');
    subscribe(1, 'topic'); // flushes {"n":1} to `early` first
    t.publish('topic', '{"n":2}', false);
    seen.opened[0]!.unsubscribe('topic'); // flushes {"n":2} to both first
    t.publish('topic', '{"n":3}', false);
    timers.fireAll();
    expect(early.inbox).toEqual(['{"n":1}', '{"n":2}']);
    expect(late.inbox).toEqual(['{"n":2}', '{"n":3}']);
  });

  it('stops batching a topic when its last batched socket closes', async () => {
    const { t, inner, timers, subscribe } = setup();
    const c = await inner.connect('b', 'name=b&batch=1');
    subscribe(0, 'topic');
    inner.handlers.close(c, 1000, 'peer');
    t.publish('topic', '{"n":1}', false);
    timers.fireAll();
    expect(inner.published.map((p) => p.topic)).toEqual(['topic']);
  });

  it('sends binary frames alone, behind what the topic already has waiting', async () => {
    const { t, inner, timers, subscribe } = setup();
    const c = await inner.connect('b', 'name=b&batch=1');
    subscribe(0, 'topic');
    t.publish('topic', '{"n":1}', false);
    t.publish('topic', Buffer.from([1, 2, 3]), true);
    timers.fireAll();
    expect(c.inbox).toEqual(['{"n":1}', Buffer.from([1, 2, 3]).toString('utf8')]);
    expect(inner.published.filter((p) => p.topic === batchTopic('topic')).map((p) => p.binary)).toEqual([false, true]);
  });

  it('flushes what waits on close', async () => {
    const { t, inner, subscribe } = setup();
    const c = await inner.connect('b', 'name=b&batch=1');
    subscribe(0, 'topic');
    t.publish('topic', '{"n":1}', false);
    t.close();
    expect(c.inbox).toEqual(['{"n":1}']);
  });
});

describe('wantsBatchedFrames', () => {
  it('reads ?batch=1, true or a positive window hint', () => {
    expect(wantsBatchedFrames('batch=1')).toBe(true);
    expect(wantsBatchedFrames('dialect=evrmore-rpc&batch=2')).toBe(true);
    expect(wantsBatchedFrames('batch=true')).toBe(true);
    expect(wantsBatchedFrames('')).toBe(false);
    expect(wantsBatchedFrames('batch=0')).toBe(false);
    expect(wantsBatchedFrames('batch=')).toBe(false);
    expect(wantsBatchedFrames('nobatch=1')).toBe(false);
  });
});
