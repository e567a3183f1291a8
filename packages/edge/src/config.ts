// The edge's configuration: the typed options the Edge and its admission take, and the CHAINFAN_* table they are
// parsed from (one table, every problem reported at once).
import { ChainfanError, MAX_TOPIC_LENGTH, MAX_TXS_PARTITIONS } from '@chainfan/protocol';
import { redisEnv } from '@chainfan/bus';
import { bool, int, oneOf, parseEnv, str, url, type EnvValues } from '@chainfan/telemetry';
import { allowedOriginsField, anonymousTopicsField, apiKeysField, securityProblems } from './auth/security-settings.js';
import { batchingEnv } from './batching-config.js';
import { dialectEnv } from './dialects-config.js';

/**
 * What happens to a socket whose outbound buffer passes `maxBackpressureBytes`: `close` ends it with 4008 (the client
 * reconnects and resumes from its position); `drop-and-resync` stops sending to it and, once it has drained, sends
 * one `resync` notice per topic with the position to resubscribe from.
 */
export type SlowClientPolicy = 'close' | 'drop-and-resync';

export interface EdgeConfig {
  readonly host: string;
  /** public WebSocket port; 8765 is evrmore-rpc's documented one; 0 picks a free port */
  readonly port: number;
  /** hash partitions of the transaction stream, as the ingestor publishes them (CHAINFAN_BUS_TXS_PARTITIONS) */
  readonly txsPartitions: number;
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
  /** open (and being admitted) sockets on this edge; 0: no limit. Refused with HTTP 503 */
  readonly maxConnections: number;
  /** sockets per client address on this edge; 0: no limit. Refused with HTTP 429 */
  readonly maxConnectionsPerAddress: number;
  /** sockets per API key or JWT subject over the whole cluster (leases in the LeaseStore); 0: no limit. HTTP 429 */
  readonly maxConnectionsPerKey: number;
  /** a key lease expires this long after its edge stopped refreshing it (refreshed every third of it) */
  readonly keyLeaseTtlMs: number;
  /** longest topic a client may name, ≤ 128 (the protocol's own bound) */
  readonly maxTopicLength: number;
  /** inbound frames per second per socket (token bucket); a frame without a token is answered with 1007 */
  readonly messageRatePerSecond: number;
  /** bucket size; after another `messageBurst` frames without tokens the socket is closed with 4029 */
  readonly messageBurst: number;
  /** take the client address from the last X-Forwarded-For entry (behind a trusted proxy) */
  readonly trustForwardedFor: boolean;
  /** recent messages per bus channel kept in memory: recoveries that reach back less than this need no Redis read */
  readonly recentMessagesPerChannel: number;
  /** …and at most about this many bytes of them (big blocks count by size) */
  readonly recentBytesPerChannel: number;
  /** live messages of one channel held back while it fills from history; beyond, they are re-read from history */
  readonly maxHeldMessagesPerChannel: number;
  /** messages per history read (gap fills and recoveries) */
  readonly historyPageSize: number;
  /** how long a recovery may wait for the bus or for this edge to reach the client's position */
  readonly recoveryTimeoutMs: number;
  /** most blocks one chain-anchored resume re-reads from the node (or walks back over a reorg); past it a resync notice */
  readonly chainResumeMaxBlocks: number;
  /** a directory served over plain HTTP GET at `/` on the public port (the dashboard bundle); unset: 426 for HTTP */
  readonly staticDir?: string;
  /** how often this edge publishes its numbers to the cluster registry (they expire after 3 periods) */
  readonly statsIntervalMs: number;
  /** the public WebSocket base URL (e.g. wss://stream.example.com) ZION's subscribe_events hands out; unset: from Host */
  readonly publicUrl?: string;
  /** largest body of an HTTP POST (ZION's JSON-RPC); larger ones are answered 413 */
  readonly maxHttpBodyBytes: number;
}

export const DEFAULT_EDGE_CONFIG: EdgeConfig = Object.freeze({
  host: '0.0.0.0',
  port: 8765,
  txsPartitions: 1,
  maxPayloadBytes: 1_048_576,
  idleTimeoutSeconds: 120,
  maxBackpressureBytes: 1_048_576,
  slowClientPolicy: 'close',
  backpressureCheckIntervalMs: 1_000,
  maxEventFrameBytes: 1_048_576,
  maxSubscriptionsPerConnection: 256,
  maxPendingCommands: 64,
  drainBatchSize: 500,
  maxConnections: 0,
  maxConnectionsPerAddress: 0,
  maxConnectionsPerKey: 0,
  // short, so a crashed edge's leases stop counting within seconds; refreshed every third of it by live edges
  keyLeaseTtlMs: 6_000,
  maxTopicLength: 128,
  messageRatePerSecond: 50,
  messageBurst: 100,
  trustForwardedFor: false,
  recentMessagesPerChannel: 1_024,
  recentBytesPerChannel: 16 * 1_048_576,
  maxHeldMessagesPerChannel: 10_000,
  historyPageSize: 500,
  recoveryTimeoutMs: 30_000,
  chainResumeMaxBlocks: 1_000,
  statsIntervalMs: 2_000,
  maxHttpBodyBytes: 65_536,
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
  check(Number.isInteger(cfg.txsPartitions) && cfg.txsPartitions >= 1 && cfg.txsPartitions <= MAX_TXS_PARTITIONS,
    `txsPartitions ${cfg.txsPartitions} not in 1..${MAX_TXS_PARTITIONS}`);
  // uWS aborts the process on an idle timeout between 1 and 7 s, and 0 would keep dead peers forever
  check(Number.isInteger(cfg.idleTimeoutSeconds) && cfg.idleTimeoutSeconds >= 8 && cfg.idleTimeoutSeconds <= 960,
    `idleTimeoutSeconds ${cfg.idleTimeoutSeconds} not in 8..960`);
  // uWS reads these as int32
  check(positiveInt(cfg.maxPayloadBytes) && cfg.maxPayloadBytes <= 2 ** 30, `maxPayloadBytes ${cfg.maxPayloadBytes} not in 1..2^30`);
  check(positiveInt(cfg.maxBackpressureBytes) && cfg.maxBackpressureBytes <= 2 ** 30, `maxBackpressureBytes ${cfg.maxBackpressureBytes} not in 1..2^30`);
  for (const k of [
    'backpressureCheckIntervalMs', 'maxEventFrameBytes', 'maxSubscriptionsPerConnection', 'maxPendingCommands', 'drainBatchSize',
    'keyLeaseTtlMs', 'messageRatePerSecond', 'messageBurst', 'maxHeldMessagesPerChannel', 'historyPageSize', 'recoveryTimeoutMs',
    'chainResumeMaxBlocks', 'recentBytesPerChannel', 'statsIntervalMs', 'maxHttpBodyBytes',
  ] as const) {
    check(positiveInt(cfg[k]), `${k} ${cfg[k]} is not a positive integer`);
  }
  for (const k of ['maxConnections', 'maxConnectionsPerAddress', 'maxConnectionsPerKey'] as const) {
    check(Number.isSafeInteger(cfg[k]) && cfg[k] >= 0, `${k} ${cfg[k]} is not an integer >= 0 (0: no limit)`);
  }
  check(Number.isInteger(cfg.maxTopicLength) && cfg.maxTopicLength >= 8 && cfg.maxTopicLength <= MAX_TOPIC_LENGTH,
    `maxTopicLength ${cfg.maxTopicLength} not in 8..${MAX_TOPIC_LENGTH}`);
  // a recovery ends with a synchronous catch-up from this ring; too small and fast channels outrun every history read
  check(Number.isInteger(cfg.recentMessagesPerChannel) && cfg.recentMessagesPerChannel >= 64,
    `recentMessagesPerChannel ${cfg.recentMessagesPerChannel} is below 64`);
  check(cfg.keyLeaseTtlMs >= 1_000 && cfg.keyLeaseTtlMs <= 3_600_000, `keyLeaseTtlMs ${cfg.keyLeaseTtlMs} not in 1000..3600000 (refreshed every third of it)`);
  check(cfg.slowClientPolicy === 'close' || cfg.slowClientPolicy === 'drop-and-resync', `slowClientPolicy ${String(cfg.slowClientPolicy)} unknown`);
  if (problems.length > 0) {
    throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `invalid edge config: ${problems.join('; ')}`, { context: { problems } });
  }
  return cfg;
}

/** Every variable the `chainfan edge` role reads; flags are the same names (`--edge-port`). */
export const edgeEnv = {
  CHAINFAN_EDGE_HOST: str({ default: DEFAULT_EDGE_CONFIG.host }),
  CHAINFAN_EDGE_PORT: int({ min: 0, max: 65_535, default: DEFAULT_EDGE_CONFIG.port, help: 'public WebSocket port' }),
  CHAINFAN_EDGE_OPS_PORT: int({ min: 0, max: 65_535, default: 9465, help: '/metrics, /healthz, /readyz' }),
  CHAINFAN_OPS_HOST: str({ default: '127.0.0.1', help: '/metrics, /healthz, /readyz bind here (no auth): loopback unless set, e.g. 0.0.0.0 for a Prometheus in another container or pod' }),
  CHAINFAN_EDGE_MAX_PAYLOAD_BYTES: int({ min: 1_024, max: 16_777_216, default: DEFAULT_EDGE_CONFIG.maxPayloadBytes }),
  CHAINFAN_EDGE_IDLE_TIMEOUT_SECONDS: int({ min: 8, max: 960, default: DEFAULT_EDGE_CONFIG.idleTimeoutSeconds, help: 'dead-peer detection' }),
  CHAINFAN_EDGE_MAX_BACKPRESSURE_BYTES: int({ min: 16_384, max: 1_073_741_824, default: DEFAULT_EDGE_CONFIG.maxBackpressureBytes }),
  CHAINFAN_EDGE_SLOW_CLIENT_POLICY: oneOf(['close', 'drop-and-resync'] as const, { default: 'close', help: 'close: 4008 and reconnect; drop-and-resync: stop sending, then resync notices' }),
  CHAINFAN_EDGE_BACKPRESSURE_CHECK_MS: int({ min: 10, max: 60_000, default: DEFAULT_EDGE_CONFIG.backpressureCheckIntervalMs }),
  CHAINFAN_EDGE_MAX_EVENT_FRAME_BYTES: int({ min: 1_024, max: 67_108_864, default: DEFAULT_EDGE_CONFIG.maxEventFrameBytes }),
  CHAINFAN_EDGE_MAX_SUBSCRIPTIONS: int({ min: 1, max: 100_000, default: DEFAULT_EDGE_CONFIG.maxSubscriptionsPerConnection, help: 'per connection' }),
  CHAINFAN_EDGE_MAX_PENDING_COMMANDS: int({ min: 1, max: 10_000, default: DEFAULT_EDGE_CONFIG.maxPendingCommands, help: 'per connection' }),
  CHAINFAN_EDGE_DRAIN_BATCH_SIZE: int({ min: 1, max: 1_000_000, default: DEFAULT_EDGE_CONFIG.drainBatchSize }),
  CHAINFAN_EDGE_DRAIN_TIMEOUT_MS: int({ min: 0, max: 600_000, default: 25_000, help: 'SIGTERM → exit deadline' }),
  CHAINFAN_EDGE_STATIC_DIR: str({ default: '', help: 'directory served at / over HTTP GET (e.g. packages/dashboard/dist); empty: none' }),
  CHAINFAN_EDGE_MAX_CONNECTIONS: int({ min: 0, max: 10_000_000, default: 0, help: 'per edge; 0: no limit (HTTP 503 beyond)' }),
  CHAINFAN_EDGE_MAX_CONNECTIONS_PER_ADDRESS: int({ min: 0, max: 10_000_000, default: 0, help: 'per client address; 0: no limit (HTTP 429)' }),
  CHAINFAN_EDGE_MAX_CONNECTIONS_PER_KEY: int({ min: 0, max: 10_000_000, default: 0, help: 'per API key or JWT subject (iss+sub), whole cluster; 0: no limit (HTTP 429)' }),
  CHAINFAN_EDGE_KEY_LEASE_TTL_MS: int({ min: 1_000, max: 3_600_000, default: DEFAULT_EDGE_CONFIG.keyLeaseTtlMs, help: 'a crashed edge\'s connection leases stop counting after this (live edges refresh every third of it)' }),
  CHAINFAN_EDGE_MAX_TOPIC_LENGTH: int({ min: 8, max: MAX_TOPIC_LENGTH, default: DEFAULT_EDGE_CONFIG.maxTopicLength, help: 'characters (error 1008)' }),
  CHAINFAN_EDGE_MESSAGE_RATE_PER_SECOND: int({ min: 1, max: 100_000, default: DEFAULT_EDGE_CONFIG.messageRatePerSecond, help: 'inbound, per connection (error 1007)' }),
  CHAINFAN_EDGE_MESSAGE_BURST: int({ min: 1, max: 100_000, default: DEFAULT_EDGE_CONFIG.messageBurst, help: 'token bucket size; as many again over it closes with 4029' }),
  CHAINFAN_EDGE_TRUST_FORWARDED_FOR: bool({ default: false, help: 'client address = last X-Forwarded-For entry (only behind your own proxy)' }),
  CHAINFAN_EDGE_RECENT_MESSAGES: int({ min: 64, max: 1_000_000, default: DEFAULT_EDGE_CONFIG.recentMessagesPerChannel, help: 'per channel, in memory, for recoveries' }),
  CHAINFAN_EDGE_RECENT_BYTES: int({ min: 65_536, max: 4_294_967_296, default: DEFAULT_EDGE_CONFIG.recentBytesPerChannel, help: 'per channel, bounds the recent messages' }),
  CHAINFAN_EDGE_MAX_HELD_MESSAGES: int({ min: 1, max: 10_000_000, default: DEFAULT_EDGE_CONFIG.maxHeldMessagesPerChannel, help: 'per channel while filling a gap' }),
  CHAINFAN_EDGE_HISTORY_PAGE_SIZE: int({ min: 1, max: 100_000, default: DEFAULT_EDGE_CONFIG.historyPageSize }),
  CHAINFAN_EDGE_RECOVERY_TIMEOUT_MS: int({ min: 100, max: 600_000, default: DEFAULT_EDGE_CONFIG.recoveryTimeoutMs }),
  CHAINFAN_EDGE_CHAIN_RESUME_MAX_BLOCKS: int({
    min: 1, max: 100_000, default: DEFAULT_EDGE_CONFIG.chainResumeMaxBlocks,
    help: 'blocks one resume from a block (`since` height and hash) may re-read from the node; more: resync notice too_far_behind',
  }),
  ...dialectEnv, // dialects, node RPC for command messages, cluster stats, admin credentials
  // the security rows fail closed (auth/security-settings.ts): their help text is the documented meaning, tested
  CHAINFAN_EDGE_ALLOWED_ORIGINS: allowedOriginsField(),
  CHAINFAN_EDGE_ANONYMOUS_TOPICS: anonymousTopicsField(),
  CHAINFAN_EDGE_API_KEYS: apiKeysField(),
  CHAINFAN_EDGE_ADMIN_API_KEYS: apiKeysField('comma list of admin API keys (or sha256:<64 hex>): ZION broadcast_event; a malformed entry stops start-up'),
  CHAINFAN_EDGE_API_KEYS_REDIS_SET: str({ default: '', help: 'Redis set of API keys (plain or sha256 hex), on the bus Redis' }),
  CHAINFAN_EDGE_JWT_HS256_SECRET: str({ default: '', help: 'shared secret for HS256 tokens, at least 32 bytes' }),
  CHAINFAN_EDGE_JWT_PUBLIC_KEY_FILE: str({ default: '', help: 'PEM public key (RSA → RS256, P-256 → ES256)' }),
  CHAINFAN_EDGE_JWKS_URL: url({ protocols: ['http:', 'https:'], optional: true, help: 'JWKS of the token issuer (RS256/ES256 keys by kid); https (http only to loopback)' }),
  CHAINFAN_EDGE_JWKS_CACHE_TTL_MS: int({ min: 1_000, max: 86_400_000, default: 600_000 }),
  CHAINFAN_EDGE_JWKS_TIMEOUT_MS: int({ min: 100, max: 60_000, default: 3_000 }),
  CHAINFAN_EDGE_JWT_ISSUER: str({ default: '', help: 'required `iss` when set' }),
  CHAINFAN_EDGE_JWT_AUDIENCE: str({ default: '', help: 'required in `aud` when set' }),
  CHAINFAN_EDGE_JWT_TOPICS_CLAIM: str({ default: 'topics', pattern: /^[A-Za-z0-9_:./-]{1,64}$/, help: 'claim listing allowed topic patterns; absent claim: all topics' }),
  CHAINFAN_EDGE_JWT_CLOCK_SKEW_MS: int({ min: 0, max: 600_000, default: 30_000, help: 'leeway for exp/nbf' }),
  CHAINFAN_EDGE_JWT_REQUIRE_EXP: bool({ default: true }),
  CHAINFAN_BUS: oneOf(['redis', 'memory'] as const, { default: 'redis', help: 'memory only makes sense inside `chainfan dev`' }),
  ...redisEnv, // single, Sentinel or Cluster; auth and TLS (shared with the ingestor)
  CHAINFAN_HISTORY_MAX_LEN: int({ min: 100, max: 10_000_000, default: 10_000, help: 'messages kept per channel for recovery' }),
  CHAINFAN_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { default: 'info' }),
  ...batchingEnv, // opt-in batched frames
} as const;

export type EdgeEnv = EnvValues<typeof edgeEnv>;

/** Throws ChainfanError CHAINFAN_CONFIG_INVALID naming every bad variable at once (exit 78), contradictions included. */
export function loadEdgeEnv(env: Readonly<Record<string, string | undefined>>): EdgeEnv {
  const parsed = parseEnv(edgeEnv, env);
  const problems = securityProblems(parsed);
  if (problems.length > 0) {
    throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`, { context: { problems } });
  }
  return parsed;
}

export function edgeConfigFromEnv(env: EdgeEnv): EdgeConfig {
  return edgeConfig({
    host: env.CHAINFAN_EDGE_HOST,
    port: env.CHAINFAN_EDGE_PORT,
    txsPartitions: env.CHAINFAN_BUS_TXS_PARTITIONS,
    maxPayloadBytes: env.CHAINFAN_EDGE_MAX_PAYLOAD_BYTES,
    idleTimeoutSeconds: env.CHAINFAN_EDGE_IDLE_TIMEOUT_SECONDS,
    maxBackpressureBytes: env.CHAINFAN_EDGE_MAX_BACKPRESSURE_BYTES,
    slowClientPolicy: env.CHAINFAN_EDGE_SLOW_CLIENT_POLICY,
    backpressureCheckIntervalMs: env.CHAINFAN_EDGE_BACKPRESSURE_CHECK_MS,
    maxEventFrameBytes: env.CHAINFAN_EDGE_MAX_EVENT_FRAME_BYTES,
    maxSubscriptionsPerConnection: env.CHAINFAN_EDGE_MAX_SUBSCRIPTIONS,
    maxPendingCommands: env.CHAINFAN_EDGE_MAX_PENDING_COMMANDS,
    drainBatchSize: env.CHAINFAN_EDGE_DRAIN_BATCH_SIZE,
    maxConnections: env.CHAINFAN_EDGE_MAX_CONNECTIONS,
    maxConnectionsPerAddress: env.CHAINFAN_EDGE_MAX_CONNECTIONS_PER_ADDRESS,
    maxConnectionsPerKey: env.CHAINFAN_EDGE_MAX_CONNECTIONS_PER_KEY,
    keyLeaseTtlMs: env.CHAINFAN_EDGE_KEY_LEASE_TTL_MS,
    maxTopicLength: env.CHAINFAN_EDGE_MAX_TOPIC_LENGTH,
    messageRatePerSecond: env.CHAINFAN_EDGE_MESSAGE_RATE_PER_SECOND,
    messageBurst: env.CHAINFAN_EDGE_MESSAGE_BURST,
    trustForwardedFor: env.CHAINFAN_EDGE_TRUST_FORWARDED_FOR,
    recentMessagesPerChannel: env.CHAINFAN_EDGE_RECENT_MESSAGES,
    recentBytesPerChannel: env.CHAINFAN_EDGE_RECENT_BYTES,
    maxHeldMessagesPerChannel: env.CHAINFAN_EDGE_MAX_HELD_MESSAGES,
    historyPageSize: env.CHAINFAN_EDGE_HISTORY_PAGE_SIZE,
    recoveryTimeoutMs: env.CHAINFAN_EDGE_RECOVERY_TIMEOUT_MS,
    chainResumeMaxBlocks: env.CHAINFAN_EDGE_CHAIN_RESUME_MAX_BLOCKS,
    ...(env.CHAINFAN_EDGE_STATIC_DIR === '' ? {} : { staticDir: env.CHAINFAN_EDGE_STATIC_DIR }),
    statsIntervalMs: env.CHAINFAN_EDGE_STATS_INTERVAL_MS,
    maxHttpBodyBytes: env.CHAINFAN_EDGE_MAX_HTTP_BODY_BYTES,
    ...(env.CHAINFAN_EDGE_PUBLIC_URL === '' ? {} : { publicUrl: env.CHAINFAN_EDGE_PUBLIC_URL }),
  });
}

/** Admission settings: how clients authenticate and which Origins may connect (built into an Authenticator by app.ts). */
export interface AuthConfig {
  /** API keys accepted; `sha256:<hex>` entries name a key by its hash */
  readonly apiKeys: readonly string[];
  /** a Redis set of API keys (on the bus's Redis) */
  readonly apiKeysRedisSet: string | undefined;
  readonly jwtHs256Secret: string | undefined;
  readonly jwtPublicKeyFile: string | undefined;
  readonly jwksUrl: string | undefined;
  readonly jwksCacheTtlMs: number;
  readonly jwksTimeoutMs: number;
  readonly jwtIssuer: string | undefined;
  readonly jwtAudience: string | undefined;
  readonly jwtTopicsClaim: string;
  /** claim that marks admin tokens (`true`, or a list containing "admin"); absent: none */
  readonly jwtAdminClaim?: string | undefined;
  /** API keys that may use admin operations (and connect); `sha256:<hex>` entries name a key by its hash */
  readonly adminApiKeys?: readonly string[];
  readonly jwtClockSkewMs: number;
  readonly jwtRequireExp: boolean;
  /** topic patterns anonymous clients may subscribe to; [] = credentials required at upgrade */
  readonly anonymousTopics: readonly string[];
  /** Origin patterns allowed; [] = any */
  readonly allowedOrigins: readonly string[];
}

const opt = (raw: string | undefined): string | undefined => (raw === undefined || raw === '' ? undefined : raw);

export function authConfigFromEnv(env: EdgeEnv): AuthConfig {
  return Object.freeze({
    apiKeys: env.CHAINFAN_EDGE_API_KEYS,
    apiKeysRedisSet: opt(env.CHAINFAN_EDGE_API_KEYS_REDIS_SET),
    jwtHs256Secret: opt(env.CHAINFAN_EDGE_JWT_HS256_SECRET),
    jwtPublicKeyFile: opt(env.CHAINFAN_EDGE_JWT_PUBLIC_KEY_FILE),
    jwksUrl: opt(env.CHAINFAN_EDGE_JWKS_URL),
    jwksCacheTtlMs: env.CHAINFAN_EDGE_JWKS_CACHE_TTL_MS,
    jwksTimeoutMs: env.CHAINFAN_EDGE_JWKS_TIMEOUT_MS,
    jwtIssuer: opt(env.CHAINFAN_EDGE_JWT_ISSUER),
    jwtAudience: opt(env.CHAINFAN_EDGE_JWT_AUDIENCE),
    jwtTopicsClaim: env.CHAINFAN_EDGE_JWT_TOPICS_CLAIM,
    jwtAdminClaim: opt(env.CHAINFAN_EDGE_JWT_ADMIN_CLAIM),
    adminApiKeys: env.CHAINFAN_EDGE_ADMIN_API_KEYS,
    jwtClockSkewMs: env.CHAINFAN_EDGE_JWT_CLOCK_SKEW_MS,
    jwtRequireExp: env.CHAINFAN_EDGE_JWT_REQUIRE_EXP,
    anonymousTopics: env.CHAINFAN_EDGE_ANONYMOUS_TOPICS,
    allowedOrigins: env.CHAINFAN_EDGE_ALLOWED_ORIGINS,
  });
}
