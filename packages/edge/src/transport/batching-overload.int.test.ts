// An overloaded batched edge stays within a memory bound: clients that asked for batched frames (?batch=1) and stop
// reading are closed by the slow-client policy like any other (what the coalescer holds for them counts against
// their backpressure limit), while batched clients that keep reading, and plain ones, get every message.
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MemoryBus } from '@chainfan/bus';
import { createEdgeMetrics, createLogger, createRegistry } from '@chainfan/telemetry';
import { waitFor } from '@chainfan/testkit';
import { batchingTransportFactory } from './batching-factory.js';
import { systemClock } from '../clock.js';
import { edgeConfig } from '../config.js';
import { Edge } from '../edge.js';
import { metricValue } from '../testing/edge-harness.js';

const log = createLogger({ service: 'edge-test', level: 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SLOW = 150;
const FAST = 50;
const MAX_BACKPRESSURE = 256 * 1024;
const BODY = JSON.stringify({ pad: 'x'.repeat(2_048) });

/** A client that keeps only a count and the last height it saw (storing frames would measure the test, not the edge). */
interface Counting {
  readonly ws: WebSocket;
  last: number;
  closed: boolean;
}

function connect(url: string): Promise<Counting> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const c: Counting = { ws, last: 0, closed: false };
    ws.on('message', (d: Buffer) => {
      const text = d.toString();
      const at = text.lastIndexOf('"height":');
      if (at >= 0) c.last = Number.parseInt(text.slice(at + 9), 10);
    });
    ws.on('close', () => {
      c.closed = true;
    });
    ws.on('error', () => undefined);
    ws.once('open', () => {
      ws.send('{"action":"subscribe","topic":"blocks"}');
      resolve(c);
    });
    ws.once('error', reject);
  });
}

describe('an overloaded batched edge', () => {
  it('closes batched clients that stop reading by the slow-client policy, keeps the rest served, and stays within an RSS bound', async () => {
    const bus = new MemoryBus({ epoch: 'e1' });
    const metrics = createEdgeMetrics(createRegistry({ defaultMetrics: false }));
    const createTransport = batchingTransportFactory({ windowMs: 2, maxBytes: 65_536 }, systemClock)!;
    const config = edgeConfig({ host: '127.0.0.1', port: 0, maxBackpressureBytes: MAX_BACKPRESSURE, backpressureCheckIntervalMs: 10, slowClientPolicy: 'close' });
    const edge = new Edge({ bus, log, metrics, config, createTransport });
    const { port } = await edge.start();
    cleanups.push(() => bus.close(), () => edge.close());
    const clients: Counting[] = [];
    for (let i = 0; i < SLOW + FAST; i += 50) clients.push(...(await Promise.all(Array.from({ length: 50 }, () => connect(`ws://127.0.0.1:${port}/?batch=1`)))));
    const plain = await connect(`ws://127.0.0.1:${port}/`);
    cleanups.push(() => {
      for (const c of [...clients, plain]) c.ws.terminate();
    });
    await waitFor(() => edge.stats().subscriptions === SLOW + FAST + 1, { timeoutMs: 10_000, message: 'every client subscribed' });
    const slow = clients.slice(0, SLOW);
    const fast = clients.slice(SLOW);
    for (const c of slow) (c.ws as unknown as { _socket: Socket })._socket.pause();

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let height = 0;
    // rounds of messages until the policy has closed every slow client; bounded in rounds, not in time
    for (let round = 0; round < 2_000 && (await metricValue(metrics.connectionsClosed, { reason: 'slow_consumer' })) < SLOW; round++) {
      for (let i = 0; i < 16; i++) await bus.publish({ channel: 'blocks', kind: 'block', ts: Date.now(), body: `{"height":${++height},"b":${BODY}}` });
      await new Promise<void>((r) => setImmediate(r));
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    const closedSlow = await metricValue(metrics.connectionsClosed, { reason: 'slow_consumer' });
    await bus.publish({ channel: 'blocks', kind: 'block', ts: Date.now(), body: `{"height":${++height}}` });
    await waitFor(() => [...fast, plain].every((c) => c.last === height), { timeoutMs: 20_000, message: 'the last block at every reading client' });
    peak = Math.max(peak, process.memoryUsage().rss);
    const grownMb = (peak - baseline) / 1_048_576;
    console.info(`batched overload: ${height} messages, ${closedSlow}/${SLOW} slow clients closed, RSS +${grownMb.toFixed(0)} MiB`);

    expect(closedSlow).toBe(SLOW);
    expect(fast.every((c) => !c.closed)).toBe(true);
    expect(await metricValue(metrics.limitHits, { limit: 'backpressure' })).toBeGreaterThanOrEqual(SLOW);
    // each slow socket holds at most uWS's hard cap (2 × the policy limit) before it is closed; the rest is this
    // process's own churn (the test's clients live here too)
    const boundMb = (SLOW * 2 * MAX_BACKPRESSURE) / 1_048_576 + 192;
    expect(grownMb).toBeLessThan(boundMb);
  });
});
