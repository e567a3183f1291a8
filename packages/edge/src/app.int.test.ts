import { describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { createLogger } from '@chainfan/telemetry';
import { waitFor } from '@chainfan/testkit';
import { startEdgeApp } from './app.js';
import { loadEdgeEnv } from './config.js';
import { upgradeStatus } from './testing/upgrade-status.js';
import { WsTestClient } from './testing/ws-test-client.js';

const log = createLogger({ service: 'edge-test', level: 'silent' });

describe('startEdgeApp', () => {
  it('serves clients and ops endpoints, then shuts down in order: drain, edge, ops', async () => {
    const bus = new MemoryBus();
    const env = loadEdgeEnv({
      CHAINFAN_EDGE_HOST: '127.0.0.1', CHAINFAN_EDGE_PORT: '0', CHAINFAN_OPS_HOST: '127.0.0.1', CHAINFAN_EDGE_OPS_PORT: '0',
      CHAINFAN_BUS: 'memory', CHAINFAN_EDGE_DRAIN_TIMEOUT_MS: '100',
    });
    const app = await startEdgeApp(env, log, { bus });
    const ops = `http://127.0.0.1:${app.opsPort}`;
    const client = await WsTestClient.connect(`ws://127.0.0.1:${app.port}/`);
    await client.command({ action: 'subscribe', topic: 'blocks' });
    await bus.publish({ channel: 'blocks', kind: 'block', ts: Date.now(), body: '{"height":1}' });
    await client.waitForEvents(1, 'block');

    const ready = await fetch(`${ops}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { ready: true, checks: { bus: true, listening: true } }]);
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    expect(metrics).toContain('chainfan_edge_connections 1');
    expect(metrics).toContain('chainfan_edge_messages_sent_total{topic_kind="blocks",dialect="evrmore-rpc"} 1');
    expect(metrics).toMatch(/chainfan_edge_delivery_lag_seconds_count\{channel="blocks"\} 1/);

    await app.close();
    expect(await client.waitForClose()).toEqual({ code: 1001, reason: 'server draining' });
    expect(app.edge.stats()).toMatchObject({ connections: 0, busChannels: [] });
    await expect(fetch(`${ops}/healthz`)).rejects.toThrow();
    expect(bus.state).toBe('up'); // a shared bus belongs to whoever passed it in
    await bus.close();
  });

  it('exports every edge metric on /metrics with bounded label values, plus Node process metrics', async () => {
    const bus = new MemoryBus({ epoch: 'm1' });
    const env = loadEdgeEnv({
      CHAINFAN_EDGE_HOST: '127.0.0.1', CHAINFAN_EDGE_PORT: '0', CHAINFAN_OPS_HOST: '127.0.0.1', CHAINFAN_EDGE_OPS_PORT: '0',
      CHAINFAN_BUS: 'memory', CHAINFAN_EDGE_DRAIN_TIMEOUT_MS: '100', CHAINFAN_EDGE_BACKPRESSURE_CHECK_MS: '10',
      CHAINFAN_EDGE_API_KEYS: 'key-1', CHAINFAN_EDGE_ANONYMOUS_TOPICS: 'blocks', CHAINFAN_EDGE_ALLOWED_ORIGINS: 'https://ok.example',
      CHAINFAN_EDGE_MESSAGE_RATE_PER_SECOND: '1', CHAINFAN_EDGE_MESSAGE_BURST: '3',
    });
    const app = await startEdgeApp(env, log, { bus });
    const url = `ws://127.0.0.1:${app.port}/`;
    try {
      await bus.publish({ channel: 'blocks', kind: 'block', ts: Date.now(), body: '{"height":1}' });
      const anon = await WsTestClient.connect(url);
      await anon.command({ action: 'subscribe', topic: 'blocks', since: { epoch: 'm1', seq: 0 } }); // recovers block 1
      await anon.command({ action: 'subscribe', topic: 'transactions' }); // not open to anonymous clients
      await bus.publish({ channel: 'blocks', kind: 'block', ts: Date.now(), body: '{"height":2}' });
      await anon.waitForEvents(2);
      const flood = await WsTestClient.connect(url);
      for (let i = 0; i < 5; i++) flood.send({ action: 'unsubscribe', topic: 'mempool' }); // a bucket of 3: the last two are over
      await waitFor(() => flood.frames.filter((f) => (f.json?.data as { code?: number } | undefined)?.code === 1007).length === 2);
      flood.close();
      expect((await upgradeStatus(url, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
      expect((await upgradeStatus(`${url}?token=key-2`)).status).toBe(401);
      const keyed = await WsTestClient.connect(`${url}?token=key-1`);
      keyed.close();
      await waitFor(() => app.edge.stats().connections === 1);

      const metricsUrl = `http://127.0.0.1:${app.opsPort}/metrics`;
      const text = await waitFor(async () => {
        const t = await (await fetch(metricsUrl)).text();
        return t.includes('chainfan_edge_connection_buffered_bytes_count') && !t.includes('chainfan_edge_connection_buffered_bytes_count 0') ? t : undefined;
      });
      for (const line of [
        'chainfan_edge_connections 1',
        'chainfan_edge_connections_opened_total 3',
        'chainfan_edge_connections_closed_total{reason="client"} 2',
        'chainfan_edge_subscriptions{topic_kind="blocks"} 1',
        'chainfan_edge_messages_sent_total{topic_kind="blocks",dialect="evrmore-rpc"} 2',
        'chainfan_edge_auth_failures_total{reason="origin"} 1',
        'chainfan_edge_auth_failures_total{reason="invalid_api_key"} 1',
        'chainfan_edge_auth_successes_total{reason="anonymous"} 2',
        'chainfan_edge_auth_successes_total{reason="api_key"} 1',
        'chainfan_edge_limit_hits_total{limit="message_rate"} 2',
        'chainfan_edge_client_errors_total{reason="topic_not_allowed"} 1',
        'chainfan_edge_recoveries_total{outcome="recovered"} 1',
        'chainfan_edge_replayed_messages_total{channel="blocks"} 1',
        'chainfan_edge_bus_state{state="up"} 1',
        'chainfan_edge_bus_state{state="down"} 0',
        'chainfan_edge_bus_up 1',
        'chainfan_edge_send_results_total{outcome="sent"}',
        'chainfan_edge_delivery_lag_seconds_count{channel="blocks"} 1',
        'chainfan_edge_connection_messages_count 2',
        'chainfan_edge_connection_lifetime_seconds_count 2',
        'chainfan_edge_bytes_sent_total{topic_kind="blocks",dialect="evrmore-rpc"}',
        'chainfan_edge_bus_messages_total{channel="blocks"} 1', // block 1 came before the bus subscription, from history
        'process_cpu_user_seconds_total',
        'nodejs_heap_size_used_bytes',
      ]) {
        expect(text, line).toContain(line);
      }
      // bounded label sets only: no connection ids, addresses or raw topics anywhere
      expect(text).not.toMatch(/session|127\.0\.0\.1|address:/);
    } finally {
      await app.close();
      await bus.close();
    }
  });
});
