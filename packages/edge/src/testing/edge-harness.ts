// Test-only: an Edge on a real uWS port with a bus of the test's choice, ws clients, and metric reads.
import type { Bus } from '@chainfan/bus';
import type { OutgoingEnvelope } from '@chainfan/protocol';
import { createEdgeMetrics, createRegistry, type EdgeMetrics, type Registry } from '@chainfan/telemetry';
import { type EdgeConfig, edgeConfig } from '../config.js';
import { Edge, type EdgeDeps } from '../edge.js';
import { silentLog } from './silent-log.js';
import { WsTestClient } from './ws-test-client.js';

export { silentLog };
export { metricValue } from './metric-value.js';

export interface Harness {
  readonly bus: Bus;
  readonly edge: Edge;
  readonly metrics: EdgeMetrics;
  readonly registry: Registry;
  readonly url: string;
  readonly port: number;
  connect(path?: string, opts?: Parameters<typeof WsTestClient.connect>[1]): Promise<WsTestClient>;
  publish(env: Omit<OutgoingEnvelope, 'ts'> & { ts?: number }): Promise<{ epoch: string; seq: number }>;
  close(): Promise<void>;
}

/** Starts an edge on 127.0.0.1:0 over `bus`; close() closes clients and the edge (not the bus). */
export async function startHarness(bus: Bus, overrides: Partial<EdgeConfig> = {}, deps: Partial<Omit<EdgeDeps, 'bus' | 'config' | 'metrics'>> = {}): Promise<Harness> {
  const registry = createRegistry({ defaultMetrics: false });
  const metrics = createEdgeMetrics(registry);
  const edge = new Edge({ bus, log: silentLog, metrics, config: edgeConfig({ host: '127.0.0.1', port: 0, ...overrides }), ...deps });
  const { port } = await edge.start();
  const url = `ws://127.0.0.1:${port}`;
  const clients: WsTestClient[] = [];
  return {
    bus, edge, metrics, registry, url, port,
    connect: async (path = '/', opts = {}) => {
      const c = await WsTestClient.connect(`${url}${path}`, opts);
      clients.push(c);
      return c;
    },
    publish: (env) => bus.publish({ ts: Date.now(), ...env }),
    close: async () => {
      for (const c of clients) c.terminate();
      await edge.close();
    },
  };
}
