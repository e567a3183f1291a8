// Each fan-out target the bench compares delivers the bench's messages to the loadgen's clients: the three peers
// in-process, and the real `chainfan edge` binary. Socket.IO is also checked with socket.io-client itself, so the
// loadgen's bare-WebSocket Socket.IO client is known to speak the same protocol.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import { RedisBus } from '@chainfan/bus';
import { type RedisHandle, startRedis, waitFor } from '@chainfan/testkit';
import { BenchConnection, type ConnectionObserver } from '../bench-connection.js';
import { BenchBodies, hrNowMs, txidOf } from '../bench-message.js';
import { type ClientProtocol, evrmoreRpcProtocol, socketIoProtocol } from '../client-protocols.js';
import { startEdgeProcess } from '../edge-process.js';
import type { PeerServer } from './peer.js';
import { startSocketIoRedisPeer } from './socketio-redis-peer.js';
import { startUwsCeilingPeer } from './uws-ceiling-peer.js';
import { startWsRedisPeer } from './ws-redis-peer.js';

let redis: RedisHandle;
let bus: RedisBus;
const bodies = new BenchBodies(200);
let next = 0;

beforeAll(async () => {
  redis = await startRedis();
  bus = new RedisBus({ url: redis.url });
  await bus.ready(10_000);
});

afterAll(async () => {
  await bus?.close();
  await redis?.stop();
});

class Counter implements ConnectionObserver {
  now = 0;
  stamps = 0;
  subscribedCount = 0;
  readonly problems: string[] = [];
  stamp(): void {
    this.stamps++;
  }
  subscribed(): void {
    this.subscribedCount++;
  }
  failed(_c: BenchConnection, reason: string): void {
    this.problems.push(reason);
  }
  dropped(_c: BenchConnection, reason: string): void {
    this.problems.push(reason);
  }
}

async function clients(port: number, protocol: ClientProtocol, n: number): Promise<{ counter: Counter; close: () => void }> {
  const counter = new Counter();
  const conns = Array.from({ length: n }, () => new BenchConnection({ host: '127.0.0.1', port, protocol, observer: counter, clock: hrNowMs, subscribeTimeoutMs: 10_000 }));
  await waitFor(() => counter.subscribedCount === n || counter.problems.length > 0, { timeoutMs: 10_000 });
  expect(counter.problems).toEqual([]);
  return { counter, close: () => conns.forEach((c) => c.close()) };
}

async function publish(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const n = next++;
    await bus.publish({ channel: 'txs', kind: 'tx', ts: Date.now(), keys: { tx: txidOf(n) }, body: bodies.body(n, hrNowMs()) });
  }
}

async function expectRedisFanout(server: PeerServer | { port: number; close: () => Promise<void> }, protocol: ClientProtocol): Promise<void> {
  const c = await clients(server.port, protocol, 3);
  try {
    await publish(5);
    await waitFor(() => c.counter.stamps === 15, { timeoutMs: 10_000 });
  } finally {
    c.close();
    await server.close();
  }
}

describe('bench targets deliver the bench messages', () => {
  it('ws + ioredis', async () => {
    await expectRedisFanout(await startWsRedisPeer({ redisUrl: redis.url, port: 0 }), evrmoreRpcProtocol({ topic: 'transactions' }));
  });

  it('Socket.IO + redis-adapter, with the loadgen client and with socket.io-client', async () => {
    const server = await startSocketIoRedisPeer({ redisUrl: redis.url, port: 0 });
    const real = ioClient(`http://127.0.0.1:${server.port}`, { transports: ['websocket'] });
    const got: unknown[] = [];
    real.on('transaction', (m: unknown) => got.push(m));
    expect(await real.timeout(5_000).emitWithAck('subscribe', 'transactions')).toBe('ok');
    await expectRedisFanout(server, socketIoProtocol({ topic: 'transactions' }));
    await waitFor(() => got.length === 5, { timeoutMs: 5_000 });
    expect(got[0]).toMatchObject({ txid: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
    real.close();
  });

  it('raw uWS ceiling, publishing in-process', async () => {
    const server = await startUwsCeilingPeer({ port: 0 });
    const c = await clients(server.port, evrmoreRpcProtocol({ topic: 'transactions' }), 3);
    try {
      server.startPublishing(500, 200);
      await waitFor(() => c.counter.stamps >= 30, { timeoutMs: 10_000 });
      const { sent } = server.stopPublishing();
      await waitFor(() => c.counter.stamps === 3 * sent, { timeoutMs: 5_000 });
    } finally {
      c.close();
      await server.close();
    }
  });

  it('the chainfan edge binary, plain and batched', async () => {
    const edge = await startEdgeProcess({ redisUrl: redis.url, port: 0 });
    try {
      const plain = await clients(edge.port, evrmoreRpcProtocol({ topic: 'transactions' }), 2);
      const batched = await clients(edge.port, evrmoreRpcProtocol({ topic: 'transactions', batched: true }), 2);
      await publish(5);
      await waitFor(() => plain.counter.stamps === 10 && batched.counter.stamps === 10, { timeoutMs: 10_000 });
      plain.close();
      batched.close();
    } finally {
      await edge.stop();
    }
  });
});
