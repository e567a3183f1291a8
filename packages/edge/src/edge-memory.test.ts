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
const events = (peer: MemoryPeer<Session>): { type: unknown; data: unknown }[] =>
  peer.texts().map((t) => JSON.parse(t) as { type: unknown; data: unknown }).filter((f) => f.type !== 'subscription').map((f) => ({ type: f.type, data: f.data }));

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
});
