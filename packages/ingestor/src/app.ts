// Composition root of the ingestor role: builds source, RPC client, bus, metrics and ops server from config.
import { hostname } from 'node:os';
import { type Bus, type Coordinator, createBus, PositionFloor, redisTopologyFromEnv } from '@chainfan/bus';
import { NETWORKS } from '@chainfan/chain';
import { type Clock, systemClock } from '@chainfan/protocol';
import { createIngestorMetrics, createRegistry, startOpsServer } from '@chainfan/telemetry';
import type { Logger } from 'pino';
import { type IngestorConfig, ingestorTuningFromEnv } from './config.js';
import { Ingestor } from './ingestor.js';
import { LocalStateFile } from './local-state.js';
import { RpcClient } from './rpc/rpc-client.js';
import { ZmqChainSource } from './source/zmq-chain-source.js';

export interface IngestorApp {
  readonly ingestor: Ingestor;
  readonly opsPort: number;
  close(): Promise<void>;
}

/**
 * `bus` may be passed in (chainfan dev shares one MemoryBus); otherwise one is built from config and owned here.
 * `clock` times everything the app builds (the system clock unless given).
 */
export async function startIngestorApp(cfg: IngestorConfig, log: Logger, shared?: { bus?: Bus & Coordinator; clock?: Clock }): Promise<IngestorApp> {
  const clock = shared?.clock ?? systemClock;
  const registry = createRegistry();
  const metrics = createIngestorMetrics(registry);
  const ownsBus = shared?.bus === undefined;
  // one floor for the bus (publishes never reuse a position behind it) and the ingestor (fills it, keeps it on disk)
  const positionFloor = new PositionFloor();
  const bus = shared?.bus ?? createBus(
    cfg.CHAINFAN_BUS === 'memory'
      ? { kind: 'memory', historyMaxLen: cfg.CHAINFAN_HISTORY_MAX_LEN, clock }
      : {
          kind: 'redis',
          topology: redisTopologyFromEnv(cfg),
          historyMaxLen: cfg.CHAINFAN_HISTORY_MAX_LEN,
          positionFloor,
          txsPartitions: cfg.CHAINFAN_BUS_TXS_PARTITIONS,
          onPublished: (shard, messages) => metrics.busPublished.inc({ shard }, messages),
          clock,
        },
    log.child({ component: 'bus' }),
  );
  const rpc = new RpcClient({
    url: cfg.CHAINFAN_RPC_URL,
    ...(cfg.CHAINFAN_RPC_USER !== undefined ? { user: cfg.CHAINFAN_RPC_USER } : {}),
    ...(cfg.CHAINFAN_RPC_PASSWORD !== undefined ? { password: cfg.CHAINFAN_RPC_PASSWORD } : {}),
    timeoutMs: cfg.CHAINFAN_RPC_TIMEOUT_MS,
    clock,
    onCall: (method, outcome) => metrics.rpcCalls.inc({ method, outcome }),
  });
  const source = new ZmqChainSource({ endpoints: cfg.CHAINFAN_ZMQ_ENDPOINTS.split(','), now: () => clock.now() });
  const ingestor = new Ingestor({
    source,
    rpc,
    bus,
    network: NETWORKS[cfg.CHAINFAN_NETWORK],
    log: log.child({ component: 'ingestor' }),
    metrics,
    clock,
    owner: cfg.CHAINFAN_INGESTOR_ID ?? `ingestor-${hostname()}-${process.pid}`,
    ...ingestorTuningFromEnv(cfg), // periods, confirmations, lease TTL: the table's option rows
    leaseRenewMs: Math.max(100, Math.floor(cfg.CHAINFAN_LEASE_TTL_MS / 3)),
    leaseRetryMs: Math.max(100, Math.floor(cfg.CHAINFAN_LEASE_TTL_MS / 6)),
    positionFloor,
    txsPartitions: cfg.CHAINFAN_BUS_TXS_PARTITIONS,
    ...(cfg.CHAINFAN_INGESTOR_STATE_FILE !== undefined ? { stateFile: new LocalStateFile(cfg.CHAINFAN_INGESTOR_STATE_FILE) } : {}),
  });
  await ingestor.start();
  const ops = await startOpsServer({
    port: cfg.CHAINFAN_INGESTOR_OPS_PORT,
    host: cfg.CHAINFAN_OPS_HOST,
    registry,
    log: log.child({ component: 'ops' }),
    ready: () => {
      const s = ingestor.status();
      const silentFor = s.lastNotificationAt === undefined ? undefined : clock.now() - s.lastNotificationAt;
      const checks = {
        node: s.nodeReachable,
        bus: s.busUp,
        // before the first notification nothing proves ZMQ works; a node answering RPC is the best sign that it will
        zmq: silentFor === undefined ? s.nodeReachable : silentFor < cfg.CHAINFAN_ZMQ_SILENT_MS,
        leader: s.leader,
      };
      // A standby is healthy: it reports `leader: false` but stays ready; ZMQ silence matters only to the leader.
      return { ready: checks.node && checks.bus && (checks.zmq || !checks.leader), checks };
    },
  });
  let closing: Promise<void> | undefined;
  return {
    ingestor,
    opsPort: ops.port,
    close: () =>
      (closing ??= (async () => {
        await ingestor.close();
        await ops.close();
        if (ownsBus) await bus.close();
      })()),
  };
}
