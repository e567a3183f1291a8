import { describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { createLogger } from '@chainfan/telemetry';
import { startEdgeApp } from './app.js';
import { loadEdgeEnv } from './config.js';
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
});
