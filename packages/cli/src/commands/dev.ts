// `chainfan dev`: the whole system in one process on the in-memory bus — node-sim → ingestor → MemoryBus → edge.
import { MemoryBus } from '@chainfan/bus';
import { edgeEnv, loadEdgeEnv, startEdgeApp } from '@chainfan/edge';
import { ingestorEnv, loadIngestorConfig, startIngestorApp } from '@chainfan/ingestor';
import { NodeSim } from '@chainfan/node-sim';
import { ensureDashboardBuilt } from '@chainfan/dashboard';
import { createLogger, oneOf, parseEnv, str, type Logger } from '@chainfan/telemetry';
import { closeOnSignal } from '../lifecycle.js';
import type { Command } from './command.js';
import { simEnv } from './sim.js';

/** Every port `chainfan dev` opens listens here, and the banner prints this host: a dev stack is never on the network. */
export const DEV_HOST = '127.0.0.1';

export const devEnv = {
  // the rows dev shares with the roles it runs are theirs, so their bounds and defaults cannot disagree
  CHAINFAN_EDGE_PORT: edgeEnv.CHAINFAN_EDGE_PORT,
  CHAINFAN_EDGE_OPS_PORT: edgeEnv.CHAINFAN_EDGE_OPS_PORT,
  CHAINFAN_INGESTOR_OPS_PORT: ingestorEnv.CHAINFAN_INGESTOR_OPS_PORT,
  CHAINFAN_SIM_BLOCK_INTERVAL_MS: simEnv.CHAINFAN_SIM_BLOCK_INTERVAL_MS,
  CHAINFAN_SIM_TX_PER_SECOND: simEnv.CHAINFAN_SIM_TX_PER_SECOND,
  CHAINFAN_SIM_SEED: simEnv.CHAINFAN_SIM_SEED,
  CHAINFAN_MEMPOOL_INTERVAL_MS: ingestorEnv.CHAINFAN_MEMPOOL_INTERVAL_MS,
  // dev's own meanings: the dashboard by default, and a quieter log
  CHAINFAN_EDGE_STATIC_DIR: str({ default: '', help: 'served at / — default: the dashboard (built when missing or stale); "off": none' }),
  CHAINFAN_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { default: 'warn' }),
} as const;

export const devCommand: Command = {
  name: 'dev',
  summary: 'run everything in one process (simulator, ingestor, in-memory bus, edge) — no Redis needed',
  usage: 'chainfan dev [--edge-port 8765] [--sim-block-interval-ms 10000] [--sim-tx-per-second 3]',
  env: devEnv,
  async run(env) {
    const cfg = parseEnv(devEnv, env);
    const log = createLogger({ service: 'chainfan-dev', level: cfg.CHAINFAN_LOG_LEVEL });
    const staticDir = await dashboardDir(cfg.CHAINFAN_EDGE_STATIC_DIR, log);
    const rpcUser = 'chainfan';
    const rpcPassword = 'chainfan';
    // the `sequence` topic too (a Bitcoin Core notification an Evrmore node lacks), so evrmore-rpc's documented
    // `sequence` subscription delivers under `chainfan dev`
    const sim = new NodeSim({
      zmqEndpoint: `tcp://${DEV_HOST}:0`, rpcHost: DEV_HOST, rpcPort: 0, rpcUser, rpcPassword, blockIntervalMs: cfg.CHAINFAN_SIM_BLOCK_INTERVAL_MS,
      txPerSecond: cfg.CHAINFAN_SIM_TX_PER_SECOND, seed: cfg.CHAINFAN_SIM_SEED, zmqSequence: true,
    });
    const { zmqEndpoint, rpcUrl } = await sim.start();
    const bus = new MemoryBus();
    const ingestor = await startIngestorApp(
      loadIngestorConfig({
        CHAINFAN_BUS: 'memory',
        CHAINFAN_ZMQ_ENDPOINTS: zmqEndpoint,
        CHAINFAN_RPC_URL: rpcUrl,
        CHAINFAN_RPC_USER: rpcUser,
        CHAINFAN_RPC_PASSWORD: rpcPassword,
        CHAINFAN_INGESTOR_OPS_PORT: String(cfg.CHAINFAN_INGESTOR_OPS_PORT),
        CHAINFAN_MEMPOOL_INTERVAL_MS: String(cfg.CHAINFAN_MEMPOOL_INTERVAL_MS),
        CHAINFAN_OPS_HOST: DEV_HOST,
        CHAINFAN_LOG_LEVEL: cfg.CHAINFAN_LOG_LEVEL,
      }),
      log.child({ role: 'ingestor' }),
      { bus },
    );
    const edge = await startEdgeApp(
      loadEdgeEnv({
        ...edgePassThrough(env),
        CHAINFAN_BUS: 'memory',
        CHAINFAN_EDGE_HOST: DEV_HOST, // wins over a passed-through CHAINFAN_EDGE_HOST
        CHAINFAN_EDGE_PORT: String(cfg.CHAINFAN_EDGE_PORT),
        CHAINFAN_EDGE_OPS_PORT: String(cfg.CHAINFAN_EDGE_OPS_PORT),
        ...(staticDir === undefined ? {} : { CHAINFAN_EDGE_STATIC_DIR: staticDir }),
        CHAINFAN_OPS_HOST: DEV_HOST,
        CHAINFAN_LOG_LEVEL: cfg.CHAINFAN_LOG_LEVEL,
        // command messages ({"command":"getblockcount"}) are answered from the simulator, as in production
        CHAINFAN_RPC_URL: rpcUrl,
        CHAINFAN_RPC_USER: rpcUser,
        CHAINFAN_RPC_PASSWORD: rpcPassword,
      }),
      log.child({ role: 'edge' }),
      { bus },
    );
    const wsUrl = `ws://${DEV_HOST}:${edge.port}/`;
    const dashboardUrl = staticDir === undefined ? undefined : `http://${DEV_HOST}:${edge.port}/`;
    const binds = [`${DEV_HOST}:${edge.port}`, `${DEV_HOST}:${edge.opsPort}`, `${DEV_HOST}:${ingestor.opsPort}`, new URL(rpcUrl).host, zmqEndpoint.replace('tcp://', '')];
    const simAddresses = sim.addresses().slice(0, 4); // wallets the simulator pays to and from: worth watching
    log.info({ event: 'dev.ready', wsUrl, dashboardUrl, binds, simAddresses, port: edge.port, edgeOpsPort: edge.opsPort, ingestorOpsPort: ingestor.opsPort, zmqEndpoint, rpcUrl }, 'dev ready');
    process.stdout.write(
      [
        '',
        `chainfan dev is running (simulated Evrmore node → ingestor → in-memory bus → edge)`,
        `  WebSocket   ${wsUrl}`,
        ...(dashboardUrl === undefined ? [] : [`  dashboard   ${dashboardUrl}`]),
        `  try         npx wscat -c ${wsUrl}   then send {"action":"subscribe","topic":"blocks"}`,
        `  metrics     http://${DEV_HOST}:${edge.opsPort}/metrics (edge), http://${DEV_HOST}:${ingestor.opsPort}/metrics (ingestor)`,
        `  node RPC    ${rpcUrl} (user ${rpcUser})`,
        `  listening   ${binds.join(', ')} (loopback only)`,
        `  a block every ${cfg.CHAINFAN_SIM_BLOCK_INTERVAL_MS / 1000} s, ~${cfg.CHAINFAN_SIM_TX_PER_SECOND} tx/s. Ctrl-C stops.`,
        '',
      ].join('\n'),
    );
    closeOnSignal(log, async () => {
      await edge.close();
      await ingestor.close();
      await sim.close();
      await bus.close();
    });
  },
};

/** The directory the edge serves at `/`: the configured one, none ('off'), or the dashboard bundle (built if needed). */
async function dashboardDir(configured: string, log: Logger): Promise<string | undefined> {
  if (configured === 'off') return undefined;
  if (configured !== '') return configured;
  try {
    const r = await ensureDashboardBuilt();
    log.info({ event: 'dev.dashboard', dir: r.dir, built: r.built, ms: r.ms }, r.built ? 'dashboard built' : 'dashboard up to date');
    return r.dir;
  } catch (err) {
    // e.g. installed without devDependencies (no Vite): the WebSocket side works without the page
    log.warn({ event: 'dev.dashboard_unavailable', err }, 'dashboard could not be built; serving WebSocket only');
    return undefined;
  }
}

/**
 * The user's other edge settings (API keys, admin keys, limits, dialects, batching: CHAINFAN_EDGE_* variables) reach
 * the dev edge as they are, validated by the edge's own table; what `chainfan dev` sets itself wins.
 */
export function edgePassThrough(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('CHAINFAN_EDGE_') && !(k in devEnv) && v !== undefined) out[k] = v;
  return out;
}
