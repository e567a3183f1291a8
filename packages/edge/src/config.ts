// The edge's configuration: the typed options the Edge takes, and the CHAINFAN_* table they are parsed from.
import { ChainfanError } from '@chainfan/protocol';
import { int, oneOf, parseEnv, str, url, type EnvValues } from '@chainfan/telemetry';

/** What happens to a socket whose outbound buffer passes `maxBackpressureBytes`. Only `close` exists so far. */
export type SlowClientPolicy = 'close';

export interface EdgeConfig {
  readonly host: string;
  /** public WebSocket port; 8765 is evrmore-rpc's documented one; 0 picks a free port */
  readonly port: number;
  /** largest inbound frame; bigger ones close the socket. 1 MiB = the evrmore-rpc client's and server's max_size */
  readonly maxPayloadBytes: number;
  /** uWS idle timeout; uWS pings automatically, so only dead peers reach it. evrmore-rpc clients ping every 30 s */
  readonly idleTimeoutSeconds: number;
  /** outbound buffer above which the slow-client policy applies; uWS's own hard cap is twice this */
  readonly maxBackpressureBytes: number;
  readonly slowClientPolicy: SlowClientPolicy;
  /** how often every socket's buffered amount is checked against `maxBackpressureBytes` */
  readonly backpressureCheckIntervalMs: number;
  /** largest event frame sent; larger events are dropped and counted (an evrmore-rpc client would close on them) */
  readonly maxEventFrameBytes: number;
  readonly maxSubscriptionsPerConnection: number;
  /** commands queued per socket before it is closed with 4029; bounds memory under command floods */
  readonly maxPendingCommands: number;
  /** sockets closed per batch while draining; batches are spread over half the drain deadline */
  readonly drainBatchSize: number;
}

export const DEFAULT_EDGE_CONFIG: EdgeConfig = Object.freeze({
  host: '0.0.0.0',
  port: 8765,
  maxPayloadBytes: 1_048_576,
  idleTimeoutSeconds: 120,
  maxBackpressureBytes: 1_048_576,
  slowClientPolicy: 'close',
  backpressureCheckIntervalMs: 1_000,
  maxEventFrameBytes: 1_048_576,
  maxSubscriptionsPerConnection: 256,
  maxPendingCommands: 64,
  drainBatchSize: 500,
});

/** Defaults plus overrides, checked. Throws ChainfanError CHAINFAN_CONFIG_INVALID listing every problem. */
export function edgeConfig(overrides: Partial<EdgeConfig> = {}): EdgeConfig {
  const cfg: EdgeConfig = Object.freeze({ ...DEFAULT_EDGE_CONFIG, ...overrides });
  const problems: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  const positiveInt = (v: number): boolean => Number.isSafeInteger(v) && v > 0;
  check(Number.isInteger(cfg.port) && cfg.port >= 0 && cfg.port <= 65_535, `port ${cfg.port} not in 0..65535`);
  // uWS aborts the process on an idle timeout between 1 and 7 s, and 0 would keep dead peers forever
  check(Number.isInteger(cfg.idleTimeoutSeconds) && cfg.idleTimeoutSeconds >= 8 && cfg.idleTimeoutSeconds <= 960,
    `idleTimeoutSeconds ${cfg.idleTimeoutSeconds} not in 8..960`);
  // uWS reads these as int32
  check(positiveInt(cfg.maxPayloadBytes) && cfg.maxPayloadBytes <= 2 ** 30, `maxPayloadBytes ${cfg.maxPayloadBytes} not in 1..2^30`);
  check(positiveInt(cfg.maxBackpressureBytes) && cfg.maxBackpressureBytes <= 2 ** 30, `maxBackpressureBytes ${cfg.maxBackpressureBytes} not in 1..2^30`);
  for (const k of ['backpressureCheckIntervalMs', 'maxEventFrameBytes', 'maxSubscriptionsPerConnection', 'maxPendingCommands', 'drainBatchSize'] as const) {
    check(positiveInt(cfg[k]), `${k} ${cfg[k]} is not a positive integer`);
  }
  if (problems.length > 0) {
    throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `invalid edge config: ${problems.join('; ')}`, { context: { problems } });
  }
  return cfg;
}

/** Every variable the `chainfan edge` role reads (STYLE.md rule 3); flags are the same names (`--edge-port`). */
export const edgeEnv = {
  CHAINFAN_EDGE_HOST: str({ default: DEFAULT_EDGE_CONFIG.host }),
  CHAINFAN_EDGE_PORT: int({ min: 0, max: 65_535, default: DEFAULT_EDGE_CONFIG.port, help: 'public WebSocket port' }),
  CHAINFAN_EDGE_OPS_PORT: int({ min: 0, max: 65_535, default: 9465, help: '/metrics, /healthz, /readyz' }),
  CHAINFAN_OPS_HOST: str({ default: '0.0.0.0' }),
  CHAINFAN_EDGE_MAX_PAYLOAD_BYTES: int({ min: 1_024, max: 16_777_216, default: DEFAULT_EDGE_CONFIG.maxPayloadBytes }),
  CHAINFAN_EDGE_IDLE_TIMEOUT_SECONDS: int({ min: 8, max: 960, default: DEFAULT_EDGE_CONFIG.idleTimeoutSeconds, help: 'dead-peer detection' }),
  CHAINFAN_EDGE_MAX_BACKPRESSURE_BYTES: int({ min: 16_384, max: 1_073_741_824, default: DEFAULT_EDGE_CONFIG.maxBackpressureBytes }),
  CHAINFAN_EDGE_SLOW_CLIENT_POLICY: oneOf(['close'] as const, { default: 'close' }),
  CHAINFAN_EDGE_BACKPRESSURE_CHECK_MS: int({ min: 10, max: 60_000, default: DEFAULT_EDGE_CONFIG.backpressureCheckIntervalMs }),
  CHAINFAN_EDGE_MAX_EVENT_FRAME_BYTES: int({ min: 1_024, max: 67_108_864, default: DEFAULT_EDGE_CONFIG.maxEventFrameBytes }),
  CHAINFAN_EDGE_MAX_SUBSCRIPTIONS: int({ min: 1, max: 100_000, default: DEFAULT_EDGE_CONFIG.maxSubscriptionsPerConnection, help: 'per connection' }),
  CHAINFAN_EDGE_MAX_PENDING_COMMANDS: int({ min: 1, max: 10_000, default: DEFAULT_EDGE_CONFIG.maxPendingCommands, help: 'per connection' }),
  CHAINFAN_EDGE_DRAIN_BATCH_SIZE: int({ min: 1, max: 1_000_000, default: DEFAULT_EDGE_CONFIG.drainBatchSize }),
  CHAINFAN_EDGE_DRAIN_TIMEOUT_MS: int({ min: 0, max: 600_000, default: 25_000, help: 'SIGTERM → exit deadline' }),
  CHAINFAN_BUS: oneOf(['redis', 'memory'] as const, { default: 'redis', help: 'memory only makes sense inside `chainfan dev`' }),
  CHAINFAN_REDIS_URL: url({ protocols: ['redis:', 'rediss:'], default: 'redis://127.0.0.1:6379' }),
  CHAINFAN_HISTORY_MAX_LEN: int({ min: 100, max: 10_000_000, default: 10_000, help: 'messages kept per channel for recovery' }),
  CHAINFAN_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { default: 'info' }),
} as const;

export type EdgeEnv = EnvValues<typeof edgeEnv>;

/** Throws ChainfanError CHAINFAN_CONFIG_INVALID naming every bad variable at once. */
export function loadEdgeEnv(env: Readonly<Record<string, string | undefined>>): EdgeEnv {
  return parseEnv(edgeEnv, env);
}

export function edgeConfigFromEnv(env: EdgeEnv): EdgeConfig {
  return edgeConfig({
    host: env.CHAINFAN_EDGE_HOST,
    port: env.CHAINFAN_EDGE_PORT,
    maxPayloadBytes: env.CHAINFAN_EDGE_MAX_PAYLOAD_BYTES,
    idleTimeoutSeconds: env.CHAINFAN_EDGE_IDLE_TIMEOUT_SECONDS,
    maxBackpressureBytes: env.CHAINFAN_EDGE_MAX_BACKPRESSURE_BYTES,
    slowClientPolicy: env.CHAINFAN_EDGE_SLOW_CLIENT_POLICY,
    backpressureCheckIntervalMs: env.CHAINFAN_EDGE_BACKPRESSURE_CHECK_MS,
    maxEventFrameBytes: env.CHAINFAN_EDGE_MAX_EVENT_FRAME_BYTES,
    maxSubscriptionsPerConnection: env.CHAINFAN_EDGE_MAX_SUBSCRIPTIONS,
    maxPendingCommands: env.CHAINFAN_EDGE_MAX_PENDING_COMMANDS,
    drainBatchSize: env.CHAINFAN_EDGE_DRAIN_BATCH_SIZE,
  });
}
