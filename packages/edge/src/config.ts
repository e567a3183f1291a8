// The edge's configuration: one CHAINFAN_* table from which the Edge's option type, its defaults, its bounds, env
// parsing, --help and the docs' reference are derived, plus the admission settings read from the same table.
import { ChainfanError, MAX_TOPIC_LENGTH } from '@chainfan/protocol';
import { redisEnv } from '@chainfan/bus';
import {
  bool, type ConfigOf, configFromEnv, configOf, defaultsOf, int, oneOf, option, parseEnv, str, url, type EnvValues,
} from '@chainfan/telemetry';
import { allowedOriginsField, anonymousTopicsField, apiKeysField, securityProblems } from './auth/security-settings.js';
import { batchingEnv } from './batching-config.js';
import { dialectEnv } from './dialects-config.js';

/**
 * What happens to a socket whose outbound buffer passes `maxBackpressureBytes`: `close` ends it with 4008 (the client
 * reconnects and resumes from its position); `drop-and-resync` stops sending to it and, once it has drained, sends
 * one `resync` notice per topic with the position to resubscribe from.
 */
export const SLOW_CLIENT_POLICIES = ['close', 'drop-and-resync'] as const;
export type SlowClientPolicy = (typeof SLOW_CLIENT_POLICIES)[number];

/**
 * The Edge's typed options, one per option row of `edgeEnv` (its key, type, default and bounds come from the row).
 * Programmatic construction (`edgeConfig({...})`) meets the same bounds as the environment.
 */
export type EdgeConfig = ConfigOf<typeof edgeEnv>;

/**
 * Every variable the `chainfan edge` role reads; flags are the same names (`--edge-port`). Rows tagged with
 * `option(key, …)` are the Edge's own options; the others configure what app.ts builds around it.
 */
export const edgeEnv = {
  CHAINFAN_EDGE_HOST: option('host', str({ default: '0.0.0.0', help: 'address the public WebSocket port binds' })),
  // 8765 is evrmore-rpc's documented port; 0 picks a free port
  CHAINFAN_EDGE_PORT: option('port', int({ min: 0, max: 65_535, default: 8765, help: 'public WebSocket port' })),
  CHAINFAN_EDGE_OPS_PORT: int({ min: 0, max: 65_535, default: 9465, help: '/metrics, /healthz, /readyz' }),
  CHAINFAN_OPS_HOST: str({ default: '127.0.0.1', help: '/metrics, /healthz, /readyz bind here (no auth): loopback unless set, e.g. 0.0.0.0 for a Prometheus in another container or pod' }),
  // 1 MiB = the evrmore-rpc client's and server's max_size; uWS reads it as int32
  CHAINFAN_EDGE_MAX_PAYLOAD_BYTES: option('maxPayloadBytes', int({ min: 1_024, max: 16_777_216, default: 1_048_576, help: 'largest inbound frame; bigger ones close the socket (1009)' })),
  // uWS aborts the process on an idle timeout between 1 and 7 s, and 0 would keep dead peers forever; uWS pings by
  // itself, so only dead peers reach it (evrmore-rpc clients ping every 30 s)
  CHAINFAN_EDGE_IDLE_TIMEOUT_SECONDS: option('idleTimeoutSeconds', int({ min: 8, max: 960, default: 120, help: 'dead-peer detection' })),
  // uWS reads it as int32 and enforces twice it as its own hard cap
  CHAINFAN_EDGE_MAX_BACKPRESSURE_BYTES: option('maxBackpressureBytes', int({ min: 16_384, max: 1_073_741_824, default: 1_048_576, help: 'outbound buffer above which the slow-client policy applies' })),
  CHAINFAN_EDGE_SLOW_CLIENT_POLICY: option('slowClientPolicy', oneOf(SLOW_CLIENT_POLICIES, { default: 'close', help: 'close: 4008 and reconnect; drop-and-resync: stop sending, then resync notices' })),
  CHAINFAN_EDGE_BACKPRESSURE_CHECK_MS: option('backpressureCheckIntervalMs', int({ min: 10, max: 60_000, default: 1_000, help: 'how often every socket\'s buffered amount is checked' })),
  // an evrmore-rpc client would close on a larger frame
  CHAINFAN_EDGE_MAX_EVENT_FRAME_BYTES: option('maxEventFrameBytes', int({ min: 1_024, max: 67_108_864, default: 1_048_576, help: 'largest event frame sent; larger events are dropped and counted' })),
  CHAINFAN_EDGE_MAX_SUBSCRIPTIONS: option('maxSubscriptionsPerConnection', int({ min: 1, max: 100_000, default: 256, help: 'per connection' })),
  // bounds memory under command floods
  CHAINFAN_EDGE_MAX_PENDING_COMMANDS: option('maxPendingCommands', int({ min: 1, max: 10_000, default: 64, help: 'per connection; more queued closes it with 4029' })),
  CHAINFAN_EDGE_DRAIN_BATCH_SIZE: option('drainBatchSize', int({ min: 1, max: 1_000_000, default: 500, help: 'sockets closed per batch while draining (batches spread over half the drain deadline)' })),
  CHAINFAN_EDGE_DRAIN_TIMEOUT_MS: int({ min: 0, max: 600_000, default: 25_000, help: 'SIGTERM → exit deadline' }),
  CHAINFAN_EDGE_STATIC_DIR: option('staticDir', str({ default: '', help: 'directory served at / over HTTP GET (e.g. packages/dashboard/dist); empty: none' }), { blankAsUnset: true }),
  CHAINFAN_EDGE_MAX_CONNECTIONS: option('maxConnections', int({ min: 0, max: 10_000_000, default: 0, help: 'per edge; 0: no limit (HTTP 503 beyond)' })),
  CHAINFAN_EDGE_MAX_CONNECTIONS_PER_ADDRESS: option('maxConnectionsPerAddress', int({ min: 0, max: 10_000_000, default: 0, help: 'per client address; 0: no limit (HTTP 429)' })),
  CHAINFAN_EDGE_MAX_CONNECTIONS_PER_KEY: option('maxConnectionsPerKey', int({ min: 0, max: 10_000_000, default: 0, help: 'per API key or JWT subject (iss+sub), whole cluster; 0: no limit (HTTP 429)' })),
  // short, so a crashed edge's leases stop counting within seconds
  CHAINFAN_EDGE_KEY_LEASE_TTL_MS: option('keyLeaseTtlMs', int({ min: 1_000, max: 3_600_000, default: 6_000, help: 'a crashed edge\'s connection leases stop counting after this (live edges refresh every third of it)' })),
  CHAINFAN_EDGE_MAX_TOPIC_LENGTH: option('maxTopicLength', int({ min: 8, max: MAX_TOPIC_LENGTH, default: 128, help: 'characters (error 1008)' })),
  CHAINFAN_EDGE_MESSAGE_RATE_PER_SECOND: option('messageRatePerSecond', int({ min: 1, max: 100_000, default: 50, help: 'inbound, per connection (error 1007)' })),
  CHAINFAN_EDGE_MESSAGE_BURST: option('messageBurst', int({ min: 1, max: 100_000, default: 100, help: 'token bucket size; as many again over it closes with 4029' })),
  CHAINFAN_EDGE_TRUST_FORWARDED_FOR: option('trustForwardedFor', bool({ default: false, help: 'client address = last X-Forwarded-For entry (only behind your own proxy)' })),
  // a recovery ends with a synchronous catch-up from this ring; too small and fast channels outrun every history read
  CHAINFAN_EDGE_RECENT_MESSAGES: option('recentMessagesPerChannel', int({ min: 64, max: 1_000_000, default: 1_024, help: 'per channel, in memory, for recoveries' })),
  CHAINFAN_EDGE_RECENT_BYTES: option('recentBytesPerChannel', int({ min: 65_536, max: 4_294_967_296, default: 16 * 1_048_576, help: 'per channel, bounds the recent messages' })),
  // beyond it, held messages are re-read from history
  CHAINFAN_EDGE_MAX_HELD_MESSAGES: option('maxHeldMessagesPerChannel', int({ min: 1, max: 10_000_000, default: 10_000, help: 'per channel while filling a gap' })),
  CHAINFAN_EDGE_HISTORY_PAGE_SIZE: option('historyPageSize', int({ min: 1, max: 100_000, default: 500, help: 'messages per history read (gap fills and recoveries)' })),
  CHAINFAN_EDGE_RECOVERY_TIMEOUT_MS: option('recoveryTimeoutMs', int({ min: 100, max: 600_000, default: 30_000, help: 'how long a recovery may wait for the bus or this edge to reach the client\'s position' })),
  CHAINFAN_EDGE_CHAIN_RESUME_MAX_BLOCKS: option('chainResumeMaxBlocks', int({
    min: 1, max: 100_000, default: 1_000,
    help: 'blocks one resume from a block (`since` height and hash) may re-read from the node; more: resync notice too_far_behind',
  })),
  // the cluster registry expires them after 3 periods
  CHAINFAN_EDGE_STATS_INTERVAL_MS: option('statsIntervalMs', int({ min: 50, max: 600_000, default: 2_000, help: 'publish this edge\'s numbers to the cluster registry' })),
  CHAINFAN_EDGE_PUBLIC_URL: option('publicUrl', str({ default: '', pattern: /^$|^wss?:\/\/\S+$/, help: 'public ws(s):// base URL handed out by ZION\'s subscribe_events; empty: from Host' }), { blankAsUnset: true }),
  CHAINFAN_EDGE_MAX_HTTP_BODY_BYTES: option('maxHttpBodyBytes', int({ min: 1_024, max: 16_777_216, default: 65_536, help: 'HTTP POST (JSON-RPC) bodies; larger: 413' })),
  ...dialectEnv, // dialects, node RPC for command messages
  // the security rows fail closed (auth/security-settings.ts): their help text is the documented meaning, tested
  CHAINFAN_EDGE_ALLOWED_ORIGINS: option('allowedOrigins', allowedOriginsField(), { group: 'auth' }),
  CHAINFAN_EDGE_ANONYMOUS_TOPICS: option('anonymousTopics', anonymousTopicsField(), { group: 'auth' }),
  CHAINFAN_EDGE_API_KEYS: option('apiKeys', apiKeysField(), { group: 'auth' }),
  CHAINFAN_EDGE_ADMIN_API_KEYS: option('adminApiKeys', apiKeysField('comma list of admin API keys (or sha256:<64 hex>): ZION broadcast_event; a malformed entry stops start-up'), { group: 'auth' }),
  CHAINFAN_EDGE_API_KEYS_REDIS_SET: option('apiKeysRedisSet', str({ default: '', help: 'Redis set of API keys (plain or sha256 hex), on the bus Redis' }), { group: 'auth', blankAsUnset: true }),
  CHAINFAN_EDGE_JWT_HS256_SECRET: option('jwtHs256Secret', str({ default: '', help: 'shared secret for HS256 tokens, at least 32 bytes' }), { group: 'auth', blankAsUnset: true }),
  CHAINFAN_EDGE_JWT_PUBLIC_KEY_FILE: option('jwtPublicKeyFile', str({ default: '', help: 'PEM public key (RSA → RS256, P-256 → ES256)' }), { group: 'auth', blankAsUnset: true }),
  CHAINFAN_EDGE_JWKS_URL: option('jwksUrl', url({ protocols: ['http:', 'https:'], optional: true, help: 'JWKS of the token issuer (RS256/ES256 keys by kid); https (http only to loopback)' }), { group: 'auth', blankAsUnset: true }),
  CHAINFAN_EDGE_JWKS_CACHE_TTL_MS: option('jwksCacheTtlMs', int({ min: 1_000, max: 86_400_000, default: 600_000 }), { group: 'auth' }),
  CHAINFAN_EDGE_JWKS_TIMEOUT_MS: option('jwksTimeoutMs', int({ min: 100, max: 60_000, default: 3_000 }), { group: 'auth' }),
  CHAINFAN_EDGE_JWT_ISSUER: option('jwtIssuer', str({ default: '', help: 'required `iss` when set' }), { group: 'auth', blankAsUnset: true }),
  CHAINFAN_EDGE_JWT_AUDIENCE: option('jwtAudience', str({ default: '', help: 'required in `aud` when set' }), { group: 'auth', blankAsUnset: true }),
  CHAINFAN_EDGE_JWT_TOPICS_CLAIM: option('jwtTopicsClaim', str({ default: 'topics', pattern: /^[A-Za-z0-9_:./-]{1,64}$/, help: 'claim listing allowed topic patterns; absent claim: all topics' }), { group: 'auth' }),
  CHAINFAN_EDGE_JWT_ADMIN_CLAIM: option('jwtAdminClaim', str({ default: '', pattern: /^$|^[A-Za-z0-9_:./-]{1,64}$/, help: 'JWT claim making a token an admin\'s (true, or a list containing "admin")' }), { group: 'auth', blankAsUnset: true }),
  CHAINFAN_EDGE_JWT_CLOCK_SKEW_MS: option('jwtClockSkewMs', int({ min: 0, max: 600_000, default: 30_000, help: 'leeway for exp/nbf' }), { group: 'auth' }),
  CHAINFAN_EDGE_JWT_REQUIRE_EXP: option('jwtRequireExp', bool({ default: true }), { group: 'auth' }),
  CHAINFAN_BUS: oneOf(['redis', 'memory'] as const, { default: 'redis', help: 'memory only makes sense inside `chainfan dev`' }),
  ...redisEnv, // single, Sentinel or Cluster; auth and TLS (shared with the ingestor)
  // the shared row, as the Edge option it also is (it keeps its place in the table)
  CHAINFAN_BUS_TXS_PARTITIONS: option('txsPartitions', redisEnv.CHAINFAN_BUS_TXS_PARTITIONS),
  CHAINFAN_HISTORY_MAX_LEN: int({ min: 100, max: 10_000_000, default: 10_000, help: 'messages kept per channel for recovery' }),
  CHAINFAN_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { default: 'info' }),
  ...batchingEnv, // opt-in batched frames
} as const;

/** The defaults of every Edge option, as the table states them. */
export const DEFAULT_EDGE_CONFIG: EdgeConfig = defaultsOf(edgeEnv);

/** Defaults plus overrides, checked against the table's bounds. Throws CHAINFAN_CONFIG_INVALID listing every problem. */
export function edgeConfig(overrides: Partial<EdgeConfig> = {}): EdgeConfig {
  return configOf(edgeEnv, 'edge', overrides);
}

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

/** The Edge's options from parsed variables: each option row's value under its key. */
export function edgeConfigFromEnv(env: EdgeEnv): EdgeConfig {
  return configFromEnv(edgeEnv, env);
}

/**
 * Admission settings: how clients authenticate and which Origins may connect (built into an Authenticator by
 * app.ts). The `auth` option rows of `edgeEnv`; an empty JWT or key-set variable is an absent option.
 */
export type AuthConfig = ConfigOf<typeof edgeEnv, 'auth'>;

/** The admission settings' defaults plus overrides, checked against the table (lists entry by entry, as parsed). */
export function authConfig(overrides: Partial<AuthConfig> = {}): AuthConfig {
  return configOf(edgeEnv, 'admission', overrides, 'auth');
}

export function authConfigFromEnv(env: EdgeEnv): AuthConfig {
  return configFromEnv(edgeEnv, env, 'auth');
}
