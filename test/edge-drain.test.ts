// Drain on SIGTERM as operators run it: two `chainfan edge` processes on one Redis, SDK clients given
// both URLs, a publisher streaming through a RedisBus. SIGTERM one edge: its /readyz goes false, its clients get 1001,
// reconnect to the other edge and resume from their positions — no message lost, none delivered twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from '@chainfan/bus';
import { ChainfanClient, type ChainfanMessage } from '@chainfan/client/node';
import { type RedisHandle, startRedis, waitFor } from '@chainfan/testkit';
import { ChainfanProcess, type LogLine } from './helpers/chainfan-process.js';

const CLIENTS = 10;

interface Edge {
  readonly proc: ChainfanProcess;
  readonly url: string;
  readonly ops: string;
}

async function startEdge(redisUrl: string): Promise<Edge> {
  const proc = new ChainfanProcess('edge', [], {
    CHAINFAN_REDIS_URL: redisUrl,
    CHAINFAN_EDGE_HOST: '127.0.0.1',
    CHAINFAN_EDGE_PORT: '0',
    CHAINFAN_EDGE_OPS_PORT: '0',
    CHAINFAN_OPS_HOST: '127.0.0.1',
    // one client per batch, spread over half the deadline: the five clients of an edge leave over 2-4 s, a window a
    // test starved of CPU still catches /readyz in (with 3 s it was 0.6-1.2 s, missed on a loaded machine)
    CHAINFAN_EDGE_DRAIN_TIMEOUT_MS: '10000',
    CHAINFAN_EDGE_DRAIN_BATCH_SIZE: '1',
  });
  const ready = await waitFor<LogLine | undefined>(() => {
    if (proc.child.exitCode !== null) throw new Error(`edge exited: ${proc.stderr.join('\n')}`);
    return proc.lines.find((l) => l.event === 'edge.listening' && l['opsPort'] !== undefined);
  }, { timeoutMs: 30_000, message: 'edge listening' });
  return { proc, url: `ws://127.0.0.1:${ready!['port'] as number}/`, ops: `http://127.0.0.1:${ready!['opsPort'] as number}` };
}

describe('SIGTERM on one of two edges while SDK clients stream', () => {
  let redis: RedisHandle;
  let a: Edge;
  let b: Edge;
  let publisher: RedisBus;
  const clients: ChainfanClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([startEdge(redis.url), startEdge(redis.url)]);
    publisher = new RedisBus({ url: redis.url });
    await publisher.ready(10_000);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([a?.proc.stop(), b?.proc.stop()]);
    await publisher?.close();
    await redis?.stop();
  });

  it('moves every client of the draining edge to the other one with no message lost or duplicated', async () => {
    const received = new Map<ChainfanClient, { blocks: number[]; txs: number[] }>();
    for (let i = 0; i < CLIENTS; i++) {
      // half of them start on each edge; each knows both
      const c = new ChainfanClient({ url: i % 2 === 0 ? [a.url, b.url] : [b.url, a.url], reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
      const got = { blocks: [] as number[], txs: [] as number[] };
      c.on('message', (m: ChainfanMessage) => {
        if (m.type === 'block') got.blocks.push(m.data.height);
        if (m.type === 'transaction') got.txs.push(Number(m.data.txid));
      });
      received.set(c, got);
      clients.push(c);
    }
    await Promise.all(clients.map(async (c) => {
      await c.subscribe('blocks');
      await c.subscribe('transactions');
    }));

    let n = 0;
    const publishing = setInterval(() => {
      const h = ++n;
      void publisher.publish({ channel: 'blocks', kind: 'block', ts: Date.now(), body: JSON.stringify({ hash: h.toString(16).padStart(64, '0'), height: h }) });
      void publisher.publish({ channel: 'txs', kind: 'tx', ts: Date.now(), body: JSON.stringify({ txid: String(h) }) });
    }, 4);
    try {
      await waitFor(() => [...received.values()].every((g) => g.blocks.length >= 50), { timeoutMs: 20_000, message: 'streaming' });

      // ready before; this also opens the HTTP client, so the checks below are not slowed by its first use
      expect((await fetch(`${a.ops}/readyz`)).status).toBe(200);
      a.proc.child.kill('SIGTERM');
      const readyz = await waitFor(async () => {
        const r = await fetch(`${a.ops}/readyz`);
        return r.status === 503 ? ((await r.json()) as { checks: Record<string, boolean> }) : undefined;
      }, { timeoutMs: 5_000, intervalMs: 5, message: 'readyz false while draining' });
      expect(readyz.checks['listening']).toBe(false);
      expect(await a.proc.exited()).toBe(0);
      expect(a.proc.lines.some((l) => l.event === 'edge.drained')).toBe(true);

      await waitFor(() => clients.every((c) => c.state === 'open' && c.url === b.url), { timeoutMs: 20_000, message: 'every client on edge B' });
      const atMove = n;
      await waitFor(() => n >= atMove + 100, { timeoutMs: 10_000 });
    } finally {
      clearInterval(publishing);
    }
    const total = n;
    await waitFor(() => [...received.values()].every((g) => g.blocks.length >= total && g.txs.length >= total), { timeoutMs: 20_000, message: `all ${total} delivered` });
    const all = Array.from({ length: total }, (_, i) => i + 1);
    for (const g of received.values()) {
      expect(g.blocks).toEqual(all); // exactly once each, in order, across the move
      expect(g.txs).toEqual(all);
    }

    const metrics = await (await fetch(`${b.ops}/metrics`)).text();
    expect(metrics).toContain(`chainfan_edge_connections ${CLIENTS}`);
    // the movers (half the clients) resubscribed both topics from their positions, and every one was recovered
    expect(metrics).toContain(`chainfan_edge_recoveries_total{outcome="recovered"} ${(CLIENTS / 2) * 2}`);
    expect(metrics).toMatch(/chainfan_edge_messages_sent_total\{topic_kind="blocks",dialect="evrmore-rpc"\} \d+/);
  });
});
