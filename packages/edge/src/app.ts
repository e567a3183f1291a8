// Composition root of the edge role: builds bus, metrics, ops server, admission (auth, key leases) and the Edge from
// parsed config; the only place here that does I/O to set things up (the PEM file read, Redis connections).
import { randomBytes } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { parse as parsePath } from 'node:path';
import {
  type Bus, createBus, type LeaseStore, MemoryLeaseStore, MemoryStatsRegistry, MemoryTtlCache, RedisLeaseStore, RedisStatsRegistry, RedisTtlCache,
  redisTopologyFromEnv, type StatsRegistry, type TtlCache, waitForBusUp,
} from '@chainfan/bus';
import { ChainfanError } from '@chainfan/protocol';
import { createEdgeMetrics, createRegistry, startOpsServer, type Logger } from '@chainfan/telemetry';
import { buildAuth } from './auth/build-auth.js';
import { batchingConfigFromEnv } from './batching-config.js';
import { batchingTransportFactory } from './transport/batching-factory.js';
import { systemClock } from './clock.js';
import { authConfigFromEnv, type EdgeEnv, edgeConfigFromEnv } from './config.js';
import { commandConfigFromEnv, dialectSetupFromEnv } from './dialects-config.js';
import { Edge } from './edge.js';
import { CommandProxy } from './rpc/command-proxy.js';
import { NodeChain } from './rpc/node-chain.js';
import { NodeRpc } from './rpc/node-rpc.js';

export interface EdgeApp {
  readonly edge: Edge;
  readonly port: number;
  readonly opsPort: number;
  /**
   * Shutdown in the documented order: readiness off and listener closed, clients closed in batches with 1001
   * (within CHAINFAN_EDGE_DRAIN_TIMEOUT_MS), edge closed (bus unsubscribed, key leases released), ops endpoint
   * closed, the Redis stores, then the bus — when this app owns it. Idempotent.
   */
  close(): Promise<void>;
}

/** How long start-up waits for the Redis stores (API-key set, leases) before starting anyway (they fail fast meanwhile). */
const STORE_READY_MS = 10_000;

/** `bus` may be passed in (chainfan dev shares one MemoryBus); otherwise one is built from config and owned here. */
export async function startEdgeApp(env: EdgeEnv, log: Logger, shared?: { bus?: Bus }): Promise<EdgeApp> {
  const config = edgeConfigFromEnv(env);
  const authConfig = authConfigFromEnv(env);
  const edgeId = randomBytes(4).toString('hex');
  const redis = env.CHAINFAN_BUS === 'redis' && shared?.bus === undefined ? redisTopologyFromEnv(env) : undefined;
  let publicKeyPem: string | undefined;
  if (authConfig.jwtPublicKeyFile !== undefined) {
    try {
      publicKeyPem = readFileSync(authConfig.jwtPublicKeyFile, 'utf8');
    } catch (err) {
      throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `CHAINFAN_EDGE_JWT_PUBLIC_KEY_FILE: cannot read ${authConfig.jwtPublicKeyFile}`, { cause: err });
    }
  }
  if (config.staticDir !== undefined) checkStaticDir(config.staticDir);
  const auth = buildAuth(authConfig, { redisUrl: undefined, redisTopology: redis, publicKeyPem, clock: systemClock, log });
  const setup = dialectSetupFromEnv(env);
  const commandConfig = commandConfigFromEnv(env);
  // dialects bring their own per-key limits (Rustorium: 10), so leases are cluster-wide whenever Redis is there
  const leases: LeaseStore = redis !== undefined ? new RedisLeaseStore({ topology: redis }) : new MemoryLeaseStore();
  const statsRegistry: StatsRegistry = redis !== undefined ? new RedisStatsRegistry({ topology: redis }) : new MemoryStatsRegistry();
  const cache: TtlCache = redis !== undefined && commandConfig.rpc !== undefined ? new RedisTtlCache({ topology: redis }) : new MemoryTtlCache();

  const registry = createRegistry();
  const metrics = createEdgeMetrics(registry);
  const ownsBus = shared?.bus === undefined;
  const bus = shared?.bus ?? createBus(
    env.CHAINFAN_BUS === 'memory'
      ? { kind: 'memory', historyMaxLen: env.CHAINFAN_HISTORY_MAX_LEN }
      : { kind: 'redis', topology: redis ?? redisTopologyFromEnv(env), historyMaxLen: env.CHAINFAN_HISTORY_MAX_LEN, txsPartitions: env.CHAINFAN_BUS_TXS_PARTITIONS },
    log.child({ component: 'bus' }),
  );
  // opt-in batched frames: undefined when CHAINFAN_EDGE_BATCH_WINDOW_MS is 0, i.e. the plain uWS transport
  const createTransport = batchingTransportFactory(batchingConfigFromEnv(env), systemClock);
  const nodeRpc = commandConfig.rpc === undefined ? undefined : new NodeRpc({ ...commandConfig.rpc, maxReplyBytes: config.maxEventFrameBytes });
  const commands = new CommandProxy({
    rpc: nodeRpc,
    cache,
    cacheTtlMs: commandConfig.cacheTtlMs,
    maxInflight: commandConfig.maxInflight,
    log: log.child({ component: 'commands', edge: edgeId }),
    metrics,
  });
  const edge = new Edge({
    bus, log, metrics, config, authenticator: auth.authenticator, origins: auth.origins, leases, edgeId, ...(createTransport === undefined ? {} : { createTransport }),
    dialects: setup.dialects, dialectPaths: setup.paths, commands, statsRegistry,
    ...(nodeRpc === undefined ? {} : { chain: new NodeChain(nodeRpc) }),
  });
  // Ops first, so /healthz answers (and /readyz says why not) while the bus is still coming up; clients are only
  // accepted once the bus is up, because until then every subscribe would be refused.
  const ops = await startOpsServer({ port: env.CHAINFAN_EDGE_OPS_PORT, host: env.CHAINFAN_OPS_HOST, registry, ready: () => edge.ready(), log });
  if (bus.state !== 'up') log.info({ event: 'edge.waiting_for_bus', state: bus.state }, 'waiting for the bus before accepting clients');
  await waitForBusUp(bus);
  const stores = [
    auth.redisKeys?.ready(STORE_READY_MS),
    leases instanceof RedisLeaseStore ? leases.ready(STORE_READY_MS) : undefined,
    statsRegistry instanceof RedisStatsRegistry ? statsRegistry.ready(STORE_READY_MS) : undefined,
    cache instanceof RedisTtlCache ? cache.ready(STORE_READY_MS) : undefined,
  ];
  await Promise.all(stores.map((p) =>
    p?.catch((err: unknown) => log.warn({ event: 'edge.store_not_ready', err }, 'a Redis store is not reachable yet; its checks fail until it is'))));
  const { port } = await edge.start();
  log.info({ event: 'edge.admission', edge: edgeId, ...auth.summary, slowClientPolicy: config.slowClientPolicy }, 'admission configured');
  log.info({
    event: 'edge.dialects', edge: edgeId, default: setup.dialects[0].name, dialects: setup.dialects.map((d) => d.name),
    paths: Object.fromEntries(setup.paths), commands: commands.enabled,
  }, 'dialects served');
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
        await Promise.allSettled([auth.redisKeys?.close(), leases.close(), statsRegistry.close(), cache.close()]);
        if (ownsBus) await bus.close();
      })()),
  };
}

/** A static directory that is missing, not a directory, or a filesystem root stops start-up (it would serve nothing, or everything). */
function checkStaticDir(dir: string): void {
  let real: string;
  try {
    real = realpathSync(dir);
    if (!statSync(real).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `CHAINFAN_EDGE_STATIC_DIR: ${dir} is not a readable directory`, { cause: err });
  }
  if (parsePath(real).root === real) throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `CHAINFAN_EDGE_STATIC_DIR: ${dir} is a filesystem root; serve a directory of its own`);
}
