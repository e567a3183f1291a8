// Composition root of the edge role: builds bus, metrics, ops server and the Edge from parsed config.
import { type Bus, createBus, waitForBusUp } from '@chainfan/bus';
import { createEdgeMetrics, createRegistry, startOpsServer, type Logger } from '@chainfan/telemetry';
import { type EdgeEnv, edgeConfigFromEnv } from './config.js';
import { Edge } from './edge.js';

export interface EdgeApp {
  readonly edge: Edge;
  readonly port: number;
  readonly opsPort: number;
  /**
   * Shutdown in the documented order: readiness off and listener closed, clients closed in batches with 1001
   * (within CHAINFAN_EDGE_DRAIN_TIMEOUT_MS), edge closed (bus unsubscribed), ops endpoint closed, then the bus
   * — when this app owns it. Idempotent.
   */
  close(): Promise<void>;
}

/** `bus` may be passed in (chainfan dev shares one MemoryBus); otherwise one is built from config and owned here. */
export async function startEdgeApp(env: EdgeEnv, log: Logger, shared?: { bus?: Bus }): Promise<EdgeApp> {
  const registry = createRegistry();
  const metrics = createEdgeMetrics(registry);
  const ownsBus = shared?.bus === undefined;
  const bus = shared?.bus ?? createBus(
    env.CHAINFAN_BUS === 'memory'
      ? { kind: 'memory', historyMaxLen: env.CHAINFAN_HISTORY_MAX_LEN }
      : { kind: 'redis', url: env.CHAINFAN_REDIS_URL, historyMaxLen: env.CHAINFAN_HISTORY_MAX_LEN },
    log.child({ component: 'bus' }),
  );
  const edge = new Edge({ bus, log, metrics, config: edgeConfigFromEnv(env) });
  // Ops first, so /healthz answers (and /readyz says why not) while the bus is still coming up; clients are only
  // accepted once the bus is up, because until then every subscribe would be refused.
  const ops = await startOpsServer({ port: env.CHAINFAN_EDGE_OPS_PORT, host: env.CHAINFAN_OPS_HOST, registry, ready: () => edge.ready(), log });
  if (bus.state !== 'up') log.info({ event: 'edge.waiting_for_bus', state: bus.state }, 'waiting for the bus before accepting clients');
  await waitForBusUp(bus);
  const { port } = await edge.start();
  let closing: Promise<void> | undefined;
  return {
    edge,
    port,
    opsPort: ops.port,
    close: () =>
      (closing ??= (async () => {
        await edge.drain(env.CHAINFAN_EDGE_DRAIN_TIMEOUT_MS);
        await edge.close();
        await ops.close();
        if (ownsBus) await bus.close();
      })()),
  };
}
