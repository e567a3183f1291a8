// RpcClient's retry waits on a ManualClock against a real HTTP server: each wait is the backoff policy's, and the
// next attempt is sent only when the clock passes it, so the retry schedule is checked without waiting real time.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '@chainfan/protocol';
import { RpcClient } from './rpc-client.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A node that answers HTTP 503 (no JSON body) to its first `failures` requests, then the JSON-RPC result 42. */
async function flakyNode(failures: number): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (n++ < failures) {
        res.writeHead(503).end('busy');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: 42, error: null, id: 1 }));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests: () => n };
}

describe('RpcClient retries on the injected clock', () => {
  it('waits the backoff on the clock before each new attempt', async () => {
    const node = await flakyNode(2);
    const clock = new ManualClock();
    const outcomes: string[] = [];
    // random 0.5: each wait is 3/4 of the policy's base (100 ms, then 200 ms)
    const rpc = new RpcClient({
      url: node.url, retries: 3, random: () => 0.5, clock, backoff: { initialDelayMs: 100, maxDelayMs: 2_000, factor: 2 }, onCall: (_m, o) => outcomes.push(o),
    });
    const result = rpc.call('getblockcount');
    await vi.waitFor(() => expect(clock.pending()).toEqual([75]));
    expect(node.requests()).toBe(1);
    clock.advance(74);
    expect(clock.pending()).toEqual([1]); // the wait is still running: no second attempt yet
    clock.advance(1);
    await vi.waitFor(() => expect(clock.pending()).toEqual([150]));
    expect(node.requests()).toBe(2);
    clock.advance(150);
    await expect(result).resolves.toBe(42);
    expect(node.requests()).toBe(3);
    expect(outcomes).toEqual(['error', 'error', 'ok']);
    expect(clock.pending()).toEqual([]);
  });

  it('gives up after the last retry with the last failure, having waited only on the clock', async () => {
    const node = await flakyNode(10);
    const clock = new ManualClock();
    const rpc = new RpcClient({ url: node.url, retries: 1, random: () => 0, clock, backoff: { initialDelayMs: 1_000, maxDelayMs: 1_000, factor: 2 } });
    let outcome: unknown;
    const done = rpc.call('getblockcount').catch((e: unknown) => (outcome = e));
    await vi.waitFor(() => expect(clock.pending()).toEqual([500]));
    clock.advance(500);
    await done;
    expect(outcome).toMatchObject({ code: 'CHAINFAN_RPC_FAILED', message: expect.stringContaining('HTTP 503 without a JSON body') as string });
    expect(node.requests()).toBe(2);
  });
});
