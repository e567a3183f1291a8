// ClientCommands alone on in-memory sockets and a ManualClock: the message-rate bucket, the per-socket queue (answers in
// the order of requests, flood guard, requests dropped with their socket) and handler failures.
import { describe, expect, it } from 'vitest';
import { CLOSE, ManualClock, chainfanDialect, type Dialect } from '@chainfan/protocol';
import { MemoryTtlCache } from '@chainfan/bus';
import { createEdgeMetrics, createRegistry } from '@chainfan/telemetry';
import { CommandProxy } from '../rpc/command-proxy.js';
import type { ServerCloseReason, Session } from '../session.js';
import { metricValue } from '../testing/metric-value.js';
import { memorySockets } from '../testing/memory-sockets.js';
import { silentLog } from '../testing/silent-log.js';
import { ClientCommands } from './client-commands.js';

/** A promise the test settles. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued promise work run; nothing here waits on time. */
async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

function setup(config: Partial<{ messageRatePerSecond: number; messageBurst: number; maxPendingCommands: number }> = {}) {
  const clock = new ManualClock(1_000_000);
  const metrics = createEdgeMetrics(createRegistry({ defaultMetrics: false }));
  const ended: { s: Session; code: number; why: ServerCloseReason }[] = [];
  const failures: unknown[] = [];
  const subscribes: { raw: string; done: ReturnType<typeof deferred> }[] = [];
  const sockets = memorySockets({ message: (conn, frame, isBinary) => commands.receive(conn.data, frame, isBinary) });
  const commands: ClientCommands = new ClientCommands({
    config: { messageRatePerSecond: 100, messageBurst: 100, maxPendingCommands: 4, ...config },
    metrics,
    clock,
    proxy: new CommandProxy({ rpc: undefined, cache: new MemoryTtlCache(), cacheTtlMs: 1_000, maxInflight: 1, log: silentLog, metrics }),
    cluster: () => Promise.resolve({ connections: 1, subscriptions: 0, edges: 1, partial: false, byDialect: {} }),
    network: () => undefined,
    reply: (s, frame) => s.conn!.send(frame, false) !== 'dropped',
    end: (s, close, why) => {
      ended.push({ s, code: close.code, why });
      s.conn?.end(close.code, close.reason);
    },
    failed: (err) => failures.push(err),
    subscribe: (_s, _target, raw) => {
      const done = deferred();
      subscribes.push({ raw, done });
      return done.promise;
    },
    unsubscribe: () => undefined,
    subscriptions: () => [],
  });
  return { clock, metrics, commands, sockets, ended, failures, subscribes };
}

const open = (h: ReturnType<typeof setup>, dialect: Dialect = chainfanDialect, maxSubscriptions = 2) => h.sockets.open({ dialect, maxSubscriptions });
const frames = (peer: { texts(): string[] }): { type: string; id?: unknown }[] => peer.texts().map((t) => JSON.parse(t) as { type: string; id?: unknown });

describe('ClientCommands', () => {
  it('answers in the order of requests: a ping behind a subscribe that waits for the bus is answered after it', async () => {
    const h = setup();
    const { s, peer } = await open(h);
    peer.send(JSON.stringify({ action: 'subscribe', topic: 'blocks', id: 1 }));
    peer.send(JSON.stringify({ action: 'ping', id: 2 }));
    await turns();
    expect(h.subscribes.map((x) => x.raw)).toEqual(['blocks']);
    expect(peer.frames).toHaveLength(0); // the ping waits behind the subscribe
    expect(h.commands.pending(s)).toBe(2);
    h.subscribes[0]!.done.resolve();
    await turns();
    expect(frames(peer)).toMatchObject([{ type: 'pong', id: 2 }]);
    expect(h.commands.pending(s)).toBe(0);
  });

  it('answers a ping at once when nothing is queued ahead of it', async () => {
    const h = setup();
    const { peer } = await open(h);
    peer.send(JSON.stringify({ action: 'ping', id: 'a' }));
    expect(frames(peer)).toMatchObject([{ type: 'pong', id: 'a' }]); // synchronously, inside the message handler
  });

  it('lets a client ask for its whole subscription budget at once, and closes it past the flood guard', async () => {
    const h = setup({ maxPendingCommands: 2 });
    const { s, peer } = await open(h, chainfanDialect, 4); // budget 4 (+1 to hear the refusal) beats the guard of 2
    for (let i = 0; i < 5; i++) peer.send(JSON.stringify({ action: 'subscribe', topic: 'blocks', id: i }));
    expect(h.commands.pending(s)).toBe(5);
    expect(peer.closed).toBeUndefined();
    peer.send(JSON.stringify({ action: 'subscribe', topic: 'blocks', id: 6 }));
    expect(peer.closed).toEqual({ code: CLOSE.rateLimited.code, reason: CLOSE.rateLimited.reason });
    expect(h.ended.map((e) => e.why)).toEqual(['rate_limited']);
    expect(await metricValue(h.metrics.limitHits, { limit: 'pending_commands' })).toBe(1);
  });

  it('drops requests whose socket closed while they waited, and counts them', async () => {
    const h = setup();
    const { peer } = await open(h);
    peer.send(JSON.stringify({ action: 'subscribe', topic: 'blocks', id: 1 }));
    await turns(); // the first is with the bus
    peer.send(JSON.stringify({ action: 'subscribe', topic: 'transactions', id: 2 }));
    peer.close();
    h.subscribes[0]!.done.resolve();
    await turns();
    expect(h.subscribes.map((x) => x.raw)).toEqual(['blocks']); // the second never reached the bus
    expect(await metricValue(h.metrics.commandsDropped)).toBe(1);
  });

  it('refuses messages over the rate with an error that answers that request, then closes a client that keeps on', async () => {
    const h = setup({ messageRatePerSecond: 1, messageBurst: 2 });
    const { peer } = await open(h);
    for (let i = 1; i <= 3; i++) peer.send(JSON.stringify({ action: 'ping', id: i }));
    expect(frames(peer).map((f) => [f.type, f.id])).toEqual([['pong', 1], ['pong', 2], ['error', 3]]);
    h.clock.advance(2_000); // the debt paid, and one token back
    peer.send(JSON.stringify({ action: 'ping', id: 4 }));
    expect(frames(peer).at(-1)).toMatchObject({ type: 'pong', id: 4 });
    for (let i = 5; i < 10 && peer.closed === undefined; i++) peer.send(JSON.stringify({ action: 'ping', id: i }));
    expect(peer.closed?.code).toBe(CLOSE.rateLimited.code);
    expect(h.ended.map((e) => e.why)).toEqual(['rate_limited']);
    expect(await metricValue(h.metrics.limitHits, { limit: 'message_rate' })).toBeGreaterThanOrEqual(2);
  });

  it('closes a socket with 1011 when handling its command fails, and reports the failure', async () => {
    const h = setup();
    const { peer } = await open(h);
    peer.send(JSON.stringify({ action: 'subscribe', topic: 'blocks', id: 1 }));
    await turns();
    h.subscribes[0]!.done.reject(new Error('bug'));
    await turns();
    expect(peer.closed).toEqual({ code: CLOSE.internal.code, reason: CLOSE.internal.reason });
    expect(h.failures).toHaveLength(1);
    expect(h.ended.map((e) => e.why)).toEqual(['internal']);
  });

  it('answers an RPC command with the proxy\'s refusal when no node is configured', async () => {
    const h = setup();
    const { peer } = await open(h);
    peer.send(JSON.stringify({ command: 'getblockcount', id: 9 }));
    await turns();
    expect(frames(peer)).toMatchObject([{ type: 'error', id: 9 }]);
    expect(peer.closed).toBeUndefined();
  });
});
