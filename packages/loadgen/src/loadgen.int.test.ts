// The loadgen against a plain `ws` server: worker processes open, subscribe, count stamped deliveries (single and
// batched frames), answer pings, and report refused connections as failures.
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { freePort, waitFor } from '@chainfan/testkit';
import { BenchBodies, hrNowMs } from './bench-message.js';
import { Loadgen } from './loadgen.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function stampServer(): Promise<{ port: number; clients: Set<WebSocket>; pongs: () => number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const clients = new Set<WebSocket>();
  let pongs = 0;
  wss.on('connection', (ws) => {
    ws.on('pong', () => pongs++);
    ws.on('message', (data) => {
      const cmd = JSON.parse(String(data)) as { topic: string };
      clients.add(ws);
      ws.send(JSON.stringify({ type: 'subscription', data: { status: 'success', topic: cmd.topic, action: 'subscribe' } }));
    });
  });
  cleanups.push(() => new Promise<void>((r) => {
    for (const c of wss.clients) c.terminate();
    wss.close(() => r());
  }));
  const addr = wss.address();
  return { port: typeof addr === 'object' && addr !== null ? addr.port : 0, clients, pongs: () => pongs };
}

describe('Loadgen', () => {
  it('counts every stamped message, one per frame or several per batched frame, with latencies', async () => {
    const srv = await stampServer();
    const bodies = new BenchBodies(128);
    for (const batched of [false, true]) {
      srv.clients.clear();
      const lg = Loadgen.start({ host: '127.0.0.1', port: srv.port, clients: 20, workers: 2, protocol: { kind: 'evrmore-rpc', topic: 'transactions', batched } });
      cleanups.push(() => lg.close());
      expect(await lg.open(20_000)).toMatchObject({ subscribed: 20, failed: 0 });
      await lg.startMeasure();
      for (let i = 0; i < 5; i++) {
        const frame = batched
          ? `${bodies.body(i, hrNowMs())}\n${bodies.body(i, hrNowMs())}`
          : `{"type":"transaction","data":${bodies.body(i, hrNowMs())}}`;
        for (const ws of srv.clients) ws.send(frame);
      }
      const want = 20 * 5 * (batched ? 2 : 1);
      await waitFor(() => lg.progress().deliveries >= want, { timeoutMs: 10_000 });
      const m = await lg.stopMeasure();
      expect(m.deliveries).toBe(want);
      expect(m.latencyMs.count).toBe(want);
      expect(m.latencyMs.min).toBeGreaterThanOrEqual(0);
      expect(m.dropped).toBe(0);
      await lg.close();
    }
  });

  it('answers server pings and reports drops by the server', async () => {
    const srv = await stampServer();
    const lg = Loadgen.start({ host: '127.0.0.1', port: srv.port, clients: 3, protocol: { kind: 'evrmore-rpc', topic: 'blocks' } });
    cleanups.push(() => lg.close());
    await lg.open(20_000);
    await lg.startMeasure();
    for (const ws of srv.clients) ws.ping();
    await waitFor(() => srv.pongs() === 3, { timeoutMs: 5_000 });
    for (const ws of srv.clients) ws.close(1001, 'going away');
    await waitFor(() => lg.progress().dropped === 3, { timeoutMs: 5_000 });
    const m = await lg.stopMeasure();
    expect(m.dropped).toBe(3);
    expect(m.failures[0]?.reason).toBe('dropped: close frame 1001');
  });

  it('counts connections nobody accepts as failures', async () => {
    const port = await freePort();
    const lg = Loadgen.start({ host: '127.0.0.1', port, clients: 5, protocol: { kind: 'evrmore-rpc', topic: 'blocks' } });
    cleanups.push(() => lg.close());
    const r = await lg.open(20_000);
    expect(r).toMatchObject({ subscribed: 0, failed: 5 });
    expect(r.failures).toEqual([{ reason: 'socket error: ECONNREFUSED', count: 5 }]);
  });
});
