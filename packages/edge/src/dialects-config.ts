// Configuration of the client dialects: their rows of the edge's CHAINFAN_* table, the dialect list with
// the default first, the path aliases, and the node RPC the evrmore-rpc command messages are answered from.
import {
  ChainfanError, chainfanDialect, createEvrmoreRpcDialect, createRustoriumDialect, type Dialect, theBlockDialect, zionDialect,
} from '@chainfan/protocol';
import { type EnvValues, int, oneOf, optionalStr, str, url } from '@chainfan/telemetry';

export const DIALECT_NAMES = ['evrmore-rpc', 'chainfan', 'theblock', 'zion', 'rustorium'] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];

const ALIAS_RE = /^$|^[A-Za-z0-9._~-]+=[a-z0-9-]+(,[A-Za-z0-9._~-]+=[a-z0-9-]+)*$/;

export const dialectEnv = {
  CHAINFAN_EDGE_DEFAULT_DIALECT: oneOf(DIALECT_NAMES, { default: 'evrmore-rpc', help: 'dialect of paths that name none (/, /anything)' }),
  CHAINFAN_EDGE_DIALECT_PATHS: str({
    default: 'ws=rustorium', pattern: ALIAS_RE, help: 'extra first-path-segment aliases, segment=dialect (every dialect is also at /<name>)',
  }),
  CHAINFAN_EDGE_EVRMORE_PING_MS: int({ min: 0, max: 600_000, default: 20_000, help: 'WebSocket ping period on evrmore-rpc connections (documented: 20 s); 0: idle-time pings only' }),
  CHAINFAN_EDGE_RUSTORIUM_HEARTBEAT_MS: int({ min: 100, max: 600_000, default: 30_000, help: 'Rustorium heartbeat period (documented: 30 s)' }),
  CHAINFAN_EDGE_MAX_CONFIRMATIONS: int({ min: 1, max: 100, default: 6, help: 'deepest confirmations filter served; keep <= the ingestor\'s CHAINFAN_CONFIRMATIONS' }),
  CHAINFAN_RPC_URL: url({ protocols: ['http:', 'https:'], optional: true, help: 'node JSON-RPC for command messages (may carry user:password@); unset: commands refused' }),
  CHAINFAN_RPC_USER: optionalStr({ help: 'RPC user (overrides the URL)' }),
  CHAINFAN_RPC_PASSWORD: optionalStr({ help: 'RPC password (overrides the URL)' }),
  CHAINFAN_RPC_TIMEOUT_MS: int({ min: 100, max: 120_000, default: 5_000 }),
  CHAINFAN_EDGE_RPC_CACHE_MS: int({ min: 1, max: 600_000, default: 1_000, help: 'command results are shared (Redis) for this long' }),
  CHAINFAN_EDGE_RPC_MAX_INFLIGHT: int({ min: 1, max: 10_000, default: 16, help: 'distinct node calls waiting at once per edge; more are refused (1014)' }),
} as const;

type DialectEnv = EnvValues<typeof dialectEnv>;

export interface DialectSetup {
  /** every served dialect, the default first */
  readonly dialects: readonly [Dialect, ...Dialect[]];
  /** first path segment → dialect name, besides each dialect's own name */
  readonly paths: ReadonlyMap<string, string>;
}

export function dialectSetupFromEnv(
  env: Pick<DialectEnv, 'CHAINFAN_EDGE_DEFAULT_DIALECT' | 'CHAINFAN_EDGE_DIALECT_PATHS' | 'CHAINFAN_EDGE_EVRMORE_PING_MS' | 'CHAINFAN_EDGE_RUSTORIUM_HEARTBEAT_MS' | 'CHAINFAN_EDGE_MAX_CONFIRMATIONS'>,
): DialectSetup {
  const evrmoreRpc = createEvrmoreRpcDialect({ pingIntervalMs: env.CHAINFAN_EDGE_EVRMORE_PING_MS });
  const all: Dialect[] = [
    evrmoreRpc,
    chainfanDialect,
    theBlockDialect,
    zionDialect,
    createRustoriumDialect({ heartbeatMs: env.CHAINFAN_EDGE_RUSTORIUM_HEARTBEAT_MS, maxConfirmations: env.CHAINFAN_EDGE_MAX_CONFIRMATIONS }),
  ];
  const first = all.find((d) => d.name === env.CHAINFAN_EDGE_DEFAULT_DIALECT) ?? evrmoreRpc;
  const paths = new Map<string, string>();
  for (const entry of env.CHAINFAN_EDGE_DIALECT_PATHS.split(',').filter((e) => e !== '')) {
    const [segment, name] = entry.split('=') as [string, string];
    if (!(DIALECT_NAMES as readonly string[]).includes(name)) {
      throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `CHAINFAN_EDGE_DIALECT_PATHS: unknown dialect "${name}" (one of ${DIALECT_NAMES.join(', ')})`);
    }
    paths.set(segment, name);
  }
  return { dialects: [first, ...all.filter((d) => d !== first)], paths };
}

/** Node RPC for command messages; undefined when CHAINFAN_RPC_URL is not set. */
export interface CommandConfig {
  readonly rpc: { readonly url: string; readonly user?: string; readonly password?: string; readonly timeoutMs: number } | undefined;
  readonly cacheTtlMs: number;
  readonly maxInflight: number;
}

export function commandConfigFromEnv(env: Pick<DialectEnv, 'CHAINFAN_RPC_URL' | 'CHAINFAN_RPC_USER' | 'CHAINFAN_RPC_PASSWORD' | 'CHAINFAN_RPC_TIMEOUT_MS' | 'CHAINFAN_EDGE_RPC_CACHE_MS' | 'CHAINFAN_EDGE_RPC_MAX_INFLIGHT'>): CommandConfig {
  const rawUrl = env.CHAINFAN_RPC_URL as string | undefined; // optional: undefined when unset
  return Object.freeze({
    rpc: rawUrl === undefined || rawUrl === '' ? undefined : {
      url: rawUrl,
      ...(env.CHAINFAN_RPC_USER === undefined ? {} : { user: env.CHAINFAN_RPC_USER }),
      ...(env.CHAINFAN_RPC_PASSWORD === undefined ? {} : { password: env.CHAINFAN_RPC_PASSWORD }),
      timeoutMs: env.CHAINFAN_RPC_TIMEOUT_MS,
    },
    cacheTtlMs: env.CHAINFAN_EDGE_RPC_CACHE_MS,
    maxInflight: env.CHAINFAN_EDGE_RPC_MAX_INFLIGHT,
  });
}
