import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { createRegistry } from './registry.js';
import { createEdgeMetrics } from './edge-metrics.js';
import { startOpsServer, type OpsServer, type ReadyReport } from './ops-server.js';

const log = createLogger({ service: 'test', level: 'silent' });
let server: OpsServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(ready: () => ReadyReport): Promise<{ base: string; metrics: ReturnType<typeof createEdgeMetrics> }> {
  const registry = createRegistry();
  const metrics = createEdgeMetrics(registry);
  server = await startOpsServer({ port: 0, host: '127.0.0.1', registry, ready, log });
  return { base: `http://127.0.0.1:${server.port}`, metrics };
}

describe('ops server', () => {
  it('answers /healthz with 200 ok on a port chosen by the OS', async () => {
    const { base } = await start(() => ({ ready: true, checks: {} }));
    expect(server!.port).toBeGreaterThan(0);
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok\n');
  });

  it('serves Prometheus text with chainfan_ metrics and Node process metrics', async () => {
    const { base, metrics } = await start(() => ({ ready: true, checks: {} }));
    metrics.connections.set(3);
    metrics.messagesSent.inc({ topic_kind: 'blocks', dialect: 'evrmore-rpc' }, 2);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('chainfan_edge_connections 3');
    expect(text).toContain('chainfan_edge_messages_sent_total{topic_kind="blocks",dialect="evrmore-rpc"} 2');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('reports readiness as JSON: 200 when ready, 503 naming the failing checks', async () => {
    let report: ReadyReport = { ready: true, checks: { bus: true, listening: true } };
    const { base } = await start(() => report);
    const ok = await fetch(`${base}/readyz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ready: true, checks: { bus: true, listening: true } });

    report = { ready: false, checks: { bus: false, listening: true, draining: false } };
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      ready: false, checks: { bus: false, listening: true, draining: false }, failing: ['bus', 'draining'],
    });
  });

  it('treats a throwing readiness probe as not ready instead of crashing', async () => {
    const { base } = await start(() => {
      throw new Error('probe bug');
    });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ready: false, failing: ['probe'] });
  });

  it('answers unknown paths with 404, other methods with 405, and HEAD without a body', async () => {
    const { base } = await start(() => ({ ready: true, checks: {} }));
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${base}/healthz?probe=1`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('closes idempotently, even with a keep-alive scraper connected', async () => {
    const { base } = await start(() => ({ ready: true, checks: {} }));
    await fetch(`${base}/metrics`, { headers: { connection: 'keep-alive' } });
    const s = server!;
    server = undefined;
    await Promise.all([s.close(), s.close()]);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('rejects when the port is taken', async () => {
    await start(() => ({ ready: true, checks: {} }));
    const registry = createRegistry({ defaultMetrics: false });
    await expect(startOpsServer({ port: server!.port, host: '127.0.0.1', registry, ready: () => ({ ready: true, checks: {} }), log }))
      .rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
