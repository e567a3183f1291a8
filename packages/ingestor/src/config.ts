// The ingestor's configuration table: every CHAINFAN_* variable it reads, with type, default and unit. Rows tagged
// with `option(key, …)` are also the Ingestor's tuning options: their defaults and bounds hold for programmatic use.
import { NETWORKS, type NetworkName } from '@chainfan/chain';
import { redisEnv } from '@chainfan/bus';
import {
  type ConfigOf, configFromEnv, configOf, defaultsOf, int, oneOf, option, optionalStr, parseEnv, str, url, type EnvValues,
} from '@chainfan/telemetry';

const NETWORK_NAMES = Object.keys(NETWORKS) as [NetworkName, ...NetworkName[]];

export const ingestorEnv = {
  CHAINFAN_NETWORK: oneOf(NETWORK_NAMES, { default: 'evrmore-main', help: 'chain parameters (header format, address prefixes)' }),
  CHAINFAN_ZMQ_ENDPOINTS: str({ default: 'tcp://127.0.0.1:28332', pattern: /^(tcp|ipc):\/\/[^,\s]+(,(tcp|ipc):\/\/[^,\s]+)*$/, help: 'comma-separated ZMQ PUB endpoints of the node' }),
  CHAINFAN_RPC_URL: url({ protocols: ['http:', 'https:'], default: 'http://127.0.0.1:8819', help: 'node JSON-RPC URL (may carry user:password@)' }),
  CHAINFAN_RPC_USER: optionalStr({ help: 'RPC user (overrides the URL)' }),
  CHAINFAN_RPC_PASSWORD: optionalStr({ help: 'RPC password (overrides the URL)' }),
  CHAINFAN_RPC_TIMEOUT_MS: int({ min: 100, max: 120_000, default: 5_000 }),
  CHAINFAN_BUS: oneOf(['redis', 'memory'] as const, { default: 'redis', help: 'memory only makes sense inside `chainfan dev`' }),
  ...redisEnv, // single, Sentinel or Cluster; auth and TLS (shared with the edge)
  CHAINFAN_HISTORY_MAX_LEN: int({ min: 100, max: 10_000_000, default: 10_000, help: 'messages kept per channel for recovery' }),
  CHAINFAN_INGESTOR_OPS_PORT: int({ min: 0, max: 65_535, default: 9466, help: '/metrics, /healthz, /readyz' }),
  CHAINFAN_OPS_HOST: str({ default: '127.0.0.1', help: '/metrics, /healthz, /readyz bind here (no auth): loopback unless set, e.g. 0.0.0.0 for a Prometheus in another container or pod' }),
  CHAINFAN_MEMPOOL_INTERVAL_MS: option('mempoolIntervalMs', int({ min: 0, max: 3_600_000, default: 5_000, help: 'mempool summary period; 0 disables' })),
  CHAINFAN_CONFIRMATIONS: option('confirmations', int({ min: 1, max: 100, default: 6, help: 'tx:<txid> status events up to this many confirmations' })),
  CHAINFAN_POLL_INTERVAL_MS: option('pollIntervalMs', int({ min: 0, max: 3_600_000, default: 5_000, help: 'leader compares its tip with the node this often; 0 disables' })),
  CHAINFAN_LEASE_TTL_MS: option('leaseTtlMs', int({ min: 500, max: 60_000, default: 3_000, help: 'leader lease; a dead leader is replaced within about this long' })),
  CHAINFAN_INGESTOR_STATE_FILE: optionalStr({
    help: 'file (on a volume) where the ingestor keeps the last positions and chain checkpoint it knows, so a Redis that comes back older or empty is caught and backfilled; unset: kept in memory only',
  }),
  CHAINFAN_INGESTOR_ID: optionalStr({ help: 'name in the leader lease (default ingestor-<hostname>-<pid>)' }),
  CHAINFAN_NETWORK_INTERVAL_MS: option('networkIntervalMs', int({ min: 0, max: 3_600_000, default: 2_000, help: 'network summary period (network topic); 0 disables' })),
  CHAINFAN_PEERS_INTERVAL_MS: option('peersIntervalMs', int({ min: 0, max: 3_600_000, default: 10_000, help: 'peer list period (peers topic); 0 disables' })),
  CHAINFAN_ZMQ_SILENT_MS: int({ min: 1_000, default: 120_000, help: '/readyz fails when no notification arrived for this long' }),
  CHAINFAN_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { default: 'info' }),
} as const;

export type IngestorConfig = EnvValues<typeof ingestorEnv>;

export function loadIngestorConfig(env: Readonly<Record<string, string | undefined>>): IngestorConfig {
  return parseEnv(ingestorEnv, env);
}

/** The Ingestor's tuning options: the option rows of `ingestorEnv`. */
export type IngestorTuning = ConfigOf<typeof ingestorEnv>;

/** Their defaults, as the table states them. */
export const INGESTOR_DEFAULTS: IngestorTuning = defaultsOf(ingestorEnv);

/** Defaults plus overrides, checked against the table's bounds; throws CHAINFAN_CONFIG_INVALID listing every problem. */
export function ingestorTuning(overrides: Partial<IngestorTuning> = {}): IngestorTuning {
  return configOf(ingestorEnv, 'ingestor', overrides);
}

export function ingestorTuningFromEnv(cfg: IngestorConfig): IngestorTuning {
  return configFromEnv(ingestorEnv, cfg);
}
