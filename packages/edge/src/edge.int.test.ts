import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { ManualClock, evrmoreRpcDialect, type Dialect, type OutgoingEnvelope } from '@chainfan/protocol';
import { createEdgeMetrics, createLogger, createRegistry, type EdgeMetrics } from '@chainfan/telemetry';
import { waitFor } from '@chainfan/testkit';
import { type EdgeConfig, edgeConfig } from './config.js';
import { Edge } from './edge.js';
import type { Clock } from './clock.js';
import { WsTestClient } from './testing/ws-test-client.js';

const log = createLogger({ service: 'edge-test', level: 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Harness {
  readonly bus: MemoryBus;
  readonly edge: Edge;
  readonly metrics: EdgeMetrics;
  readonly url: string;
  connect(path?: string): Promise<WsTestClient>;
  publish(env: Omit<OutgoingEnvelope, 'ts'> & { ts?: number }): Promise<void>;
}

async function startEdge(overrides: Partial<EdgeConfig> = {}, deps: { clock?: Clock; dialects?: readonly [Dialect, ...Dialect[]] } = {}): Promise<Harness> {
  const bus = new MemoryBus();
  const metrics = createEdgeMetrics(createRegistry({ defaultMetrics: false }));
  const edge = new Edge({ bus, log, metrics, config: edgeConfig({ host: '127.0.0.1', port: 0, ...overrides }), ...deps });
  const { port } = await edge.start();
  cleanups.push(() => bus.close(), () => edge.close());
  const url = `ws://127.0.0.1:${port}`;
  return {
    bus, edge, metrics, url,
    connect: async (path = '/') => {
      const c = await WsTestClient.connect(`${url}${path}`);
      cleanups.push(() => c.terminate());
      return c;
    },
    publish: async (env) => {
      await bus.publish({ ts: Date.now(), ...env });
    },
  };
}

type MetricLike = { get(): Promise<{ values: readonly { labels: Partial<Record<string, string | number>>; value: number }[] }> };

async function metricValue(metric: MetricLike, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0);
}

const ADDR_X = 'EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1';
const ADDR_Y = 'EbJmxqTsQ1BnmYtJVJYfUKLYXmcPZtoXjm';
const BLOCK = {
  hash: '00000000000013b3ab4c5c3b7a1b8c5e4bd2b81b0c1f0a7b7b3f4c5d6e7f8091', confirmations: 1, strippedsize: 1234, size: 1234,
  weight: 4936, height: 1_234_567, version: 805306368, versionHex: '30000000', merkleroot: 'ab'.repeat(32), tx: ['cd'.repeat(32)],
  time: 1_740_000_000, mediantime: 1_739_999_000, nonce: 0, bits: '1b01a2b3', difficulty: '16307.42', chainwork: '00'.repeat(32),
  headerhash: 'ef'.repeat(32), mixhash: '12'.repeat(32), nonce64: 1234567890123, previousblockhash: '34'.repeat(32), nextblockhash: null,
};

describe('Edge (uWS + ws clients + MemoryBus)', () => {
  it('acknowledges a subscribe with exactly the simulator frame', async () => {
    const h = await startEdge();
    const c = await h.connect();
    const ack = await c.command({ action: 'subscribe', topic: 'blocks' });
    expect(ack.text).toBe('{"type":"subscription","data":{"status":"success","topic":"blocks","action":"subscribe"}}');
    const un = await c.command('{"action": "unsubscribe", "topic": "blocks"}');
    expect(un.text).toBe('{"type":"subscription","data":{"status":"success","topic":"blocks","action":"unsubscribe"}}');
  });

  it('delivers a bus block as {"type":"block","data":<body>}, with block ≡ blocks', async () => {
    const h = await startEdge();
    const singular = await h.connect();
    const plural = await h.connect('/any/path?x=1');
    expect((await singular.command({ action: 'subscribe', topic: 'block' })).json).toEqual({
      type: 'subscription', data: { status: 'success', topic: 'block', action: 'subscribe' },
    });
    await plural.command({ action: 'subscribe', topic: 'blocks' });
    await h.publish({ channel: 'blocks', kind: 'block', body: JSON.stringify(BLOCK) });
    for (const c of [singular, plural]) {
      const [ev] = await c.waitForEvents(1);
      // with evrmore-rpc's documented tx_count
      expect(ev!.event).toEqual({ type: 'block', data: { ...BLOCK, tx_count: 1 } });
      // body spliced, not re-serialized, behind the position keys
      expect(ev!.text).toBe(`{"type":"block","channel":"blocks","epoch":${JSON.stringify(ev!.json?.epoch)},"seq":1,"data":${JSON.stringify(BLOCK).slice(0, -1)},"tx_count":1}}`);
    }
    expect(h.edge.stats()).toMatchObject({ connections: 2, subscriptions: 2, topics: 1, busChannels: ['blocks'] });
    expect(await metricValue(h.metrics.messagesSent, { topic_kind: 'blocks', dialect: 'evrmore-rpc' })).toBe(2);
    expect(await metricValue(h.metrics.bytesSent)).toBe(2 * Buffer.byteLength(singular.events()[0]!.text));
  });

  it('treats a repeated subscribe under either spelling as one subscription', async () => {
    const h = await startEdge();
    const c = await h.connect();
    await c.command({ action: 'subscribe', topic: 'blocks' });
    expect((await c.command({ action: 'subscribe', topic: 'block' })).json).toMatchObject({ type: 'subscription', data: { topic: 'block' } });
    expect(h.edge.stats().subscriptions).toBe(1);
    await h.publish({ channel: 'blocks', kind: 'block', body: '{"height":1}' });
    await h.publish({ channel: 'blocks', kind: 'block', body: '{"height":2}' });
    await c.waitForEvents(2);
    expect(c.events().map((f) => f.event)).toEqual([{ type: 'block', data: { height: 1 } }, { type: 'block', data: { height: 2 } }]);
  });

  it('routes a transaction only to the addresses in its routing keys, and to transactions/tx subscribers', async () => {
    const h = await startEdge();
    const [x, y, all, byTxid] = await Promise.all([h.connect(), h.connect(), h.connect(), h.connect()]);
    const txid = 'ab'.repeat(32);
    await x.command({ action: 'subscribe', topic: `address:${ADDR_X}` });
    await y.command({ action: 'subscribe', topic: `address:${ADDR_Y}` });
    await all.command({ action: 'subscribe', topic: 'transactions' });
    await byTxid.command({ action: 'subscribe', topic: `tx:${txid.toUpperCase()}` });
    await h.publish({ channel: 'txs', kind: 'tx', keys: { a: [ADDR_X], tx: txid }, body: `{"txid":"${txid}"}` });
    await h.publish({ channel: 'txs', kind: 'tx', keys: { a: [ADDR_Y, ADDR_Y], tx: 'cd'.repeat(32) }, body: '{"txid":"cd"}' });
    await all.waitForEvents(2, 'transaction');
    await y.waitForEvents(1, 'transaction');
    await x.waitForEvents(1, 'transaction');
    await byTxid.waitForEvents(1, 'transaction');
    // same channel, in order: had the first tx gone to y, it would have arrived before the second
    expect(y.events().map((f) => f.event)).toEqual([{ type: 'transaction', data: { txid: 'cd' } }]);
    expect(x.events().map((f) => f.event)).toEqual([{ type: 'transaction', data: { txid } }]);
    expect(byTxid.events().map((f) => f.event)).toEqual([{ type: 'transaction', data: { txid } }]);
    expect(await metricValue(h.metrics.messagesSent, { topic_kind: 'address' })).toBe(2);
  });

  it('routes asset events to assets and asset:<NAME> subscribers', async () => {
    const h = await startEdge();
    const [named, other, every] = await Promise.all([h.connect(), h.connect(), h.connect()]);
    await named.command({ action: 'subscribe', topic: 'asset:MY_TOKEN/SUB' });
    await other.command({ action: 'subscribe', topic: 'asset:OTHER' });
    await every.command({ action: 'subscribe', topic: 'assets' });
    await h.publish({ channel: 'assets', kind: 'asset', keys: { as: ['MY_TOKEN/SUB'] }, body: '{"asset":"MY_TOKEN/SUB","amount":5}' });
    await h.publish({ channel: 'assets', kind: 'asset', keys: { as: ['OTHER'] }, body: '{"asset":"OTHER","amount":1}' });
    await every.waitForEvents(2, 'asset');
    await other.waitForEvents(1, 'asset');
    expect((await named.waitForEvents(1, 'asset'))[0]!.event).toEqual({ type: 'asset', data: { asset: 'MY_TOKEN/SUB', amount: 5 } });
    expect(other.events()).toHaveLength(1);
  });

  it('delivers block, transaction and sequence to `all` once each, also to a socket that holds a part of it (evrmore-rpc\'s rule)', async () => {
    const h = await startEdge();
    const [c, d] = await Promise.all([h.connect(), h.connect()]);
    await c.command({ action: 'subscribe', topic: 'all' });
    await c.command({ action: 'subscribe', topic: 'blocks' }); // a part after `all`
    await d.command({ action: 'subscribe', topic: 'transaction' }); // a part before `all`
    await d.command({ action: 'subscribe', topic: 'all' });
    expect([...h.edge.stats().busChannels].sort()).toEqual(['blocks', 'sequence', 'txs']);
    const round = async (n: number): Promise<void> => {
      await h.publish({ channel: 'blocks', kind: 'block', body: `{"height":${n}}` });
      await h.publish({ channel: 'txs', kind: 'tx', body: `{"txid":"${n}"}` });
      await h.publish({ channel: 'sequence', kind: 'sequence', body: `{"sequence":${n},"hash":"00"}` });
      await h.publish({ channel: 'mempool', kind: 'mempool', body: '{"size":1}' }); // not part of `all`
    };
    await round(1);
    for (const x of [c, d]) await x.waitForEvents(1, 'sequence');
    for (const x of [c, d]) expect(x.events().map((f) => f.json?.type)).toEqual(['block', 'transaction', 'sequence']);
    expect(await metricValue(h.metrics.messagesSent, { dialect: 'evrmore-rpc' })).toBe(6); // counted as delivered: once

    // without `all`, each keeps exactly its part, from the next event on
    await c.command({ action: 'unsubscribe', topic: 'all' });
    await d.command({ action: 'unsubscribe', topic: 'all' });
    await round(2);
    await c.waitForEvents(2, 'block');
    await d.waitForEvents(2, 'transaction');
    await h.publish({ channel: 'blocks', kind: 'block', body: '{"height":3}' });
    await c.waitForEvents(3, 'block');
    expect(c.events().map((f) => f.json?.data)).toEqual([{ height: 1 }, { txid: '1' }, { sequence: 1, hash: '00' }, { height: 2 }, { height: 3 }]);
    expect(d.events().map((f) => f.json?.data)).toEqual([{ height: 1 }, { txid: '1' }, { sequence: 1, hash: '00' }, { txid: '2' }]);
    // unsubscribing a part that `all` was carrying works like any unsubscribe
    await d.command({ action: 'subscribe', topic: 'all' });
    expect((await d.command({ action: 'unsubscribe', topic: 'transactions' })).json?.type).toBe('subscription');
    await d.command({ action: 'unsubscribe', topic: 'all' });
    expect(h.edge.stats().subscriptions).toBe(1);
  });

  it('subscribes a bus channel once for many local subscribers and unsubscribes after the last leaves', async () => {
    const h = await startEdge();
    const subscribe = vi.spyOn(h.bus, 'subscribe');
    const unsubscribe = vi.spyOn(h.bus, 'unsubscribe');
    const [a, b] = await Promise.all([h.connect(), h.connect()]);
    await Promise.all([a.command({ action: 'subscribe', topic: 'blocks' }), b.command({ action: 'subscribe', topic: 'block' })]);
    await a.command({ action: 'subscribe', topic: `address:${ADDR_X}` });
    await b.command({ action: 'subscribe', topic: 'transactions' });
    expect(subscribe.mock.calls.map((c) => c[0]).sort()).toEqual(['blocks', 'txs']);
    a.close();
    await waitFor(() => h.edge.stats().connections === 1);
    expect(unsubscribe).not.toHaveBeenCalled();
    await b.command({ action: 'unsubscribe', topic: 'transactions' });
    await waitFor(() => unsubscribe.mock.calls.length === 1);
    expect(unsubscribe).toHaveBeenCalledWith('txs');
    b.close();
    await waitFor(() => unsubscribe.mock.calls.length === 2);
    expect(unsubscribe.mock.calls.map((c) => c[0])).toEqual(['txs', 'blocks']);
    expect(h.edge.stats()).toMatchObject({ connections: 0, subscriptions: 0, topics: 0, busChannels: [] });
    expect(await metricValue(h.metrics.subscriptions)).toBe(0);
  });

  it('answers bad commands with the simulator error codes and keeps the connection open', async () => {
    const h = await startEdge();
    const c = await h.connect();
    expect((await c.command('{"action":"subscribe",')).text).toBe('{"type":"error","data":{"code":1004,"message":"Invalid JSON"}}');
    expect((await c.command({ action: 'publish', topic: 'blocks' })).json).toEqual({ type: 'error', data: { code: 1003, message: 'Invalid action: publish' } });
    expect((await c.command({ action: 'subscribe', topic: 'weather' })).json).toEqual({ type: 'error', data: { code: 1001, message: 'Invalid topic: weather' } });
    expect((await c.command({ action: 'unsubscribe', topic: 'blocks' })).json)
      .toEqual({ type: 'error', data: { code: 1002, message: 'Not subscribed to topic: blocks' } });
    expect((await c.command({ hello: 'world' })).json).toMatchObject({ type: 'error', data: { code: 1005 } });
    expect(c.closed).toBeUndefined();
    await c.command({ action: 'subscribe', topic: 'blocks' });
    await h.publish({ channel: 'blocks', kind: 'block', body: '{"height":3}' });
    await c.waitForEvents(1, 'block');
    for (const reason of ['invalid_json', 'invalid_action', 'invalid_topic', 'not_subscribed', 'bad_command']) {
      expect(await metricValue(h.metrics.clientErrors, { reason }), reason).toBe(1);
    }
  });

  it('answers commands in the order they were sent, even when a subscribe waits for the bus', async () => {
    const h = await startEdge();
    const c = await h.connect();
    c.send({ action: 'subscribe', topic: 'blocks' });
    c.send('not json');
    c.send({ action: 'unsubscribe', topic: 'blocks' });
    await waitFor(() => c.frames.length === 3);
    expect(c.frames.map((f) => [f.json?.type, (f.json?.data as { action?: string; code?: number }).action ?? (f.json?.data as { code?: number }).code]))
      .toEqual([['subscription', 'subscribe'], ['error', 1004], ['subscription', 'unsubscribe']]);
  });

  it('closes a socket that sends a frame over maxPayloadBytes while everyone else keeps receiving', async () => {
    const h = await startEdge(); // default 1 MiB, evrmore-rpc's max_size
    const [abuser, bystander] = await Promise.all([h.connect(), h.connect()]);
    await bystander.command({ action: 'subscribe', topic: 'blocks' });
    abuser.send(Buffer.alloc(1024 * 1024 + 1, 0x61));
    const closed = await abuser.waitForClose();
    // the transport enforces the limit itself so the client gets a real close frame: 1009 "frame too large"
    expect(closed.code).toBe(1009);
    await h.publish({ channel: 'blocks', kind: 'block', body: '{"height":4}' });
    expect((await bystander.waitForEvents(1, 'block'))[0]!.event).toEqual({ type: 'block', data: { height: 4 } });
    expect(await metricValue(h.metrics.clientErrors, { reason: 'frame_too_large' })).toBe(1);
    expect(await metricValue(h.metrics.connectionsClosed, { reason: 'frame_too_large' })).toBe(1);
    const late = await h.connect();
    expect((await late.command({ action: 'subscribe', topic: 'sequence' })).json).toMatchObject({ type: 'subscription' });
  });

  it('drops (and counts) an event frame over maxEventFrameBytes instead of sending it', async () => {
    const h = await startEdge({ maxEventFrameBytes: 1_024 });
    const c = await h.connect();
    await c.command({ action: 'subscribe', topic: 'blocks' });
    await h.publish({ channel: 'blocks', kind: 'block', body: JSON.stringify({ pad: 'x'.repeat(2_000) }) });
    await h.publish({ channel: 'blocks', kind: 'block', body: '{"height":5}' });
    await c.waitForEvents(1);
    expect(c.events().map((f) => f.event)).toEqual([{ type: 'block', data: { height: 5 } }]);
    expect(await metricValue(h.metrics.messagesDropped, { reason: 'frame_too_large' })).toBe(1);
  });

  it('closes a slow consumer with 4008 once its buffer passes maxBackpressureBytes, after what it had buffered', async () => {
    const timers = new ManualClock(Date.now());
    const h = await startEdge({ maxBackpressureBytes: 64 * 1024 }, { clock: timers });
    const [slow, fast] = await Promise.all([h.connect(), h.connect()]);
    await slow.command({ action: 'subscribe', topic: 'blocks' });
    await fast.command({ action: 'subscribe', topic: 'blocks' });
    slow.pauseReading();
    const body = JSON.stringify({ pad: 'y'.repeat(16 * 1024) });
    let published = 0;
    await waitFor(async () => {
      // 32 KiB per backpressure sweep: well inside the headroom between our limit and uWS's hard cap (2×)
      for (let i = 0; i < 2; i++, published++) await h.publish({ channel: 'blocks', kind: 'block', body });
      timers.fireAll();
      return (await metricValue(h.metrics.connectionsClosed, { reason: 'slow_consumer' })) === 1;
    }, { timeoutMs: 20_000, intervalMs: 1 });
    slow.resumeReading();
    expect(await slow.waitForClose()).toEqual({ code: 4008, reason: 'slow consumer' });
    expect(slow.events().length).toBeGreaterThan(0); // what was buffered before the close still arrived, then the close
    await fast.waitForEvents(published, 'block', 10_000);
    expect(h.edge.stats().connections).toBe(1);
  });

  it('drains: readiness off, listener closed, every client closed with 1001 server draining', async () => {
    const h = await startEdge({ drainBatchSize: 2 });
    const clients = await Promise.all([h.connect(), h.connect(), h.connect()]);
    await clients[0]!.command({ action: 'subscribe', topic: 'blocks' });
    expect(h.edge.ready()).toEqual({ ready: true, checks: { bus: true, listening: true } });
    await h.edge.drain(100);
    expect(h.edge.ready()).toMatchObject({ ready: false, checks: { listening: false } });
    for (const c of clients) expect(await c.waitForClose()).toEqual({ code: 1001, reason: 'server draining' });
    expect(await metricValue(h.metrics.connectionsClosed, { reason: 'draining' })).toBe(3);
    await expect(WsTestClient.connect(h.url)).rejects.toThrow();
    await waitFor(() => h.edge.stats().busChannels.length === 0);
  });

  it('close() force-closes remaining sockets and releases every bus channel; a second close() is the same promise', async () => {
    const h = await startEdge();
    const unsubscribe = vi.spyOn(h.bus, 'unsubscribe');
    const [a, b] = await Promise.all([h.connect(), h.connect()]);
    await a.command({ action: 'subscribe', topic: 'all' });
    await b.command({ action: 'subscribe', topic: 'mempool' });
    const first = h.edge.close();
    expect(h.edge.close()).toBe(first);
    await first;
    expect(h.edge.stats()).toMatchObject({ connections: 0, subscriptions: 0, busChannels: [] });
    expect(unsubscribe.mock.calls.map((c) => c[0]).sort()).toEqual(['blocks', 'mempool', 'sequence', 'txs']);
    await a.waitForClose();
    await b.waitForClose();
    expect(await metricValue(h.metrics.connectionsClosed, { reason: 'shutdown' })).toBe(2);
    expect(h.edge.ready().ready).toBe(false);
  });

  it('fans out a dialect\'s application heartbeat to every socket of that dialect (none for evrmore-rpc)', async () => {
    const beating: Dialect = {
      ...evrmoreRpcDialect,
      name: 'beating',
      heartbeat: { intervalMs: 20, encode: (now) => `{"type":"heartbeat","data":{"ts":${now}}}` },
    };
    const h = await startEdge({}, { dialects: [evrmoreRpcDialect, beating] });
    const [plain, hb] = await Promise.all([h.connect('/'), h.connect('/beating')]);
    await waitFor(() => hb.frames.filter((f) => f.json?.type === 'heartbeat').length >= 3);
    expect(plain.frames).toEqual([]);
    await hb.command({ action: 'subscribe', topic: 'blocks' });
    expect(hb.closed).toBeUndefined();
  });
});
