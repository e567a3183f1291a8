// Edge behaviour on the in-memory transport and a ManualClock: subscribe, fan-out and the slow-consumer policy as
// pure logic, with no port and no real time (the same cases on real sockets live in edge.int.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { ManualClock, type OutgoingEnvelope } from '@chainfan/protocol';
import { createEdgeMetrics, createRegistry } from '@chainfan/telemetry';
import { type EdgeConfig, edgeConfig } from './config.js';
import { Edge } from './edge.js';
import type { Session } from './session.js';
import { silentLog } from './testing/silent-log.js';
import { MemoryPeer, MemoryTransport } from './transport/memory-transport.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Lets queued promise work (bus, command queue) run; no timer is involved, so nothing waits on real time. */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

async function startEdge(overrides: Partial<EdgeConfig> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const bus = new MemoryBus({ now: () => clock.now() });
  const metrics = createEdgeMetrics(createRegistry({ defaultMetrics: false }));
  let transport: MemoryTransport<Session> | undefined;
  const edge = new Edge({
    bus, log: silentLog, metrics, clock,
    config: edgeConfig({ host: '127.0.0.1', port: 0, ...overrides }),
    createTransport: (opts, handlers) => (transport = new MemoryTransport(opts, handlers)),
  });
  await edge.start();
  cleanups.push(() => bus.close(), () => edge.close());
  return {
    clock, bus, edge, metrics,
    async connect(path = '/'): Promise<MemoryPeer<Session>> {
      const c = await transport!.connect({ url: path });
      if (!c.ok) throw new Error(`refused: ${c.status} ${c.body}`);
      return c.peer;
    },
    async publish(env: Omit<OutgoingEnvelope, 'ts'>): Promise<void> {
      await bus.publish({ ts: clock.now(), ...env });
      await turns();
    },
  };
}

async function command(peer: MemoryPeer<Session>, frame: object): Promise<string> {
  const from = peer.frames.length;
  peer.send(JSON.stringify(frame));
  await turns();
  const reply = peer.texts().slice(from)[0];
  if (reply === undefined) throw new Error(`no reply to ${JSON.stringify(frame)}`);
  return reply;
}

/** Event frames as {type, data}: everything but subscription acks. */
const ADDR_X = 'EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1';
const ADDR_Y = 'EbJmxqTsQ1BnmYtJVJYfUKLYXmcPZtoXjm';

const events = (peer: MemoryPeer<Session>): { type: unknown; data: unknown }[] =>
  peer.texts().map((t) => JSON.parse(t) as { type: unknown; data: unknown }).filter((f) => f.type !== 'subscription' && f.type !== 'error').map((f) => ({ type: f.type, data: f.data }));

describe('Edge on the in-memory transport', () => {
  it('acknowledges a subscribe with exactly the simulator frame, delivers bus blocks, and stops after unsubscribe', async () => {
    const h = await startEdge();
    const c = await h.connect();
    expect(await command(c, { action: 'subscribe', topic: 'blocks' })).toBe('{"type":"subscription","data":{"status":"success","topic":"blocks","action":"subscribe"}}');
    await h.publish({ channel: 'blocks', kind: 'block', body: '{"height":5}' });
    expect(events(c)).toEqual([{ type: 'block', data: { height: 5 } }]);
    expect(await command(c, { action: 'unsubscribe', topic: 'blocks' })).toBe('{"type":"subscription","data":{"status":"success","topic":"blocks","action":"unsubscribe"}}');
    await h.publish({ channel: 'blocks', kind: 'block', body: '{"height":6}' });
    expect(events(c)).toEqual([{ type: 'block', data: { height: 5 } }]);
  });

  it('closes a slow consumer with 4008 once its buffer passes maxBackpressureBytes, after what it had buffered; others get everything', async () => {
    const h = await startEdge({ maxBackpressureBytes: 64 * 1024 });
    const slow = await h.connect();
    const fast = await h.connect();
    await command(slow, { action: 'subscribe', topic: 'blocks' });
    await command(fast, { action: 'subscribe', topic: 'blocks' });
    slow.pause();
    const body = JSON.stringify({ pad: 'y'.repeat(16 * 1024) });
    for (let i = 0; i < 3; i++) await h.publish({ channel: 'blocks', kind: 'block', body });
    h.clock.advance(1_000); // backpressure sweeps: under the limit, nothing happens
    await turns();
    expect(slow.closed).toBeUndefined();
    for (let i = 0; i < 2; i++) await h.publish({ channel: 'blocks', kind: 'block', body });
    h.clock.advance(1_000);
    await turns();
    expect(slow.closed).toEqual({ code: 4008, reason: 'slow consumer' });
    expect(events(slow).length).toBeGreaterThan(0); // what was buffered still arrived, then the close
    expect(events(fast)).toHaveLength(5);
    expect(h.edge.stats().connections).toBe(1);
    const closed = (await h.metrics.connectionsClosed.get()).values.find((v) => v.labels['reason'] === 'slow_consumer');
    expect(closed?.value).toBe(1);
  });

  it('routes a transaction only to the addresses in its routing keys, and to transactions/tx subscribers', async () => {
    const h = await startEdge();
    const [x, y, all, byTxid] = [await h.connect(), await h.connect(), await h.connect(), await h.connect()];
    const txid = 'ab'.repeat(32);
    await command(x, { action: 'subscribe', topic: `address:${ADDR_X}` });
    await command(y, { action: 'subscribe', topic: `address:${ADDR_Y}` });
    await command(all, { action: 'subscribe', topic: 'transactions' });
    await command(byTxid, { action: 'subscribe', topic: `tx:${txid.toUpperCase()}` });
    await h.publish({ channel: 'txs', kind: 'tx', keys: { a: [ADDR_X], tx: txid }, body: `{"txid":"${txid}"}` });
    await h.publish({ channel: 'txs', kind: 'tx', keys: { a: [ADDR_Y, ADDR_Y], tx: 'cd'.repeat(32) }, body: '{"txid":"cd"}' });
    expect(events(x)).toEqual([{ type: 'transaction', data: { txid } }]);
    expect(events(y)).toEqual([{ type: 'transaction', data: { txid: 'cd' } }]); // once, though its key is listed twice
    expect(events(byTxid)).toEqual([{ type: 'transaction', data: { txid } }]);
    expect(events(all)).toHaveLength(2);
  });

  it('answers bad commands with the simulator error codes and keeps the connection open', async () => {
    const h = await startEdge();
    const c = await h.connect();
    const raw = async (text: string): Promise<string> => {
      const from = c.frames.length;
      c.send(text);
      await turns();
      return c.texts()[from] ?? '';
    };
    expect(await raw('{"action":"subscribe",')).toBe('{"type":"error","data":{"code":1004,"message":"Invalid JSON"}}');
    expect(JSON.parse(await command(c, { action: 'publish', topic: 'blocks' }))).toEqual({ type: 'error', data: { code: 1003, message: 'Invalid action: publish' } });
    expect(JSON.parse(await command(c, { action: 'subscribe', topic: 'weather' }))).toEqual({ type: 'error', data: { code: 1001, message: 'Invalid topic: weather' } });
    expect(JSON.parse(await command(c, { action: 'unsubscribe', topic: 'blocks' }))).toEqual({ type: 'error', data: { code: 1002, message: 'Not subscribed to topic: blocks' } });
    expect(JSON.parse(await command(c, { hello: 'world' }))).toMatchObject({ type: 'error', data: { code: 1005 } });
    expect(c.closed).toBeUndefined();
    await command(c, { action: 'subscribe', topic: 'blocks' });
    await h.publish({ channel: 'blocks', kind: 'block', body: '{"height":3}' });
    expect(events(c).filter((e) => e.type === 'block')).toEqual([{ type: 'block', data: { height: 3 } }]);
  });

  it('closes a socket that sends a frame over maxPayloadBytes with 1009 while everyone else keeps receiving', async () => {
    const h = await startEdge({ maxPayloadBytes: 1_024 });
    const [big, other] = [await h.connect(), await h.connect()];
    await command(other, { action: 'subscribe', topic: 'blocks' });
    big.send('x'.repeat(1_025));
    expect(big.closed).toMatchObject({ code: 1009 });
    await h.publish({ channel: 'blocks', kind: 'block', body: '{"height":1}' });
    expect(events(other)).toEqual([{ type: 'block', data: { height: 1 } }]);
    expect(h.edge.stats().connections).toBe(1);
  });
});
