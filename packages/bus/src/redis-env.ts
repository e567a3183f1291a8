// The CHAINFAN_REDIS_* variables every app reads (one table, merged into each app's own) and their translation into
// a RedisTopology. Problems are CHAINFAN_CONFIG_INVALID naming the variable, which the apps turn into exit 78.
import { readFileSync } from 'node:fs';
import { ChainfanError, MAX_TXS_PARTITIONS } from '@chainfan/protocol';
import { bool, type EnvValues, type Field, int, optionalStr, url } from '@chainfan/telemetry';
import { parseEndpoints, type RedisEndpoint, type RedisTopology } from './redis-topology.js';

function endpoints(help: string): Field<readonly RedisEndpoint[] | undefined> {
  return {
    kind: 'list',
    help,
    describeDefault: '(unset)',
    parse: (raw, name) => {
      if (raw === undefined || raw.trim() === '') return { ok: true, value: undefined };
      const r = parseEndpoints(raw);
      return r.ok ? r : { ok: false, error: `${name}: ${r.error}` };
    },
  };
}

export const redisEnv = {
  CHAINFAN_REDIS_URL: url({ protocols: ['redis:', 'rediss:'], default: 'redis://127.0.0.1:6379', help: 'single Redis (rediss:// = TLS); ignored when sentinels or cluster nodes are set' }),
  CHAINFAN_REDIS_SENTINELS: endpoints('Sentinel mode: host:port list of sentinels'),
  CHAINFAN_REDIS_SENTINEL_NAME: optionalStr({ help: 'Sentinel mode: name of the monitored primary (required with CHAINFAN_REDIS_SENTINELS)' }),
  CHAINFAN_REDIS_SENTINEL_PASSWORD: optionalStr({ help: 'Sentinel mode: password of the sentinels themselves, when they require one' }),
  CHAINFAN_REDIS_CLUSTER_NODES: endpoints('Cluster mode: host:port seed list of cluster nodes'),
  CHAINFAN_REDIS_USERNAME: optionalStr({ help: 'ACL user (overrides the URL)' }),
  CHAINFAN_REDIS_PASSWORD: optionalStr({ help: 'password (overrides the URL)' }),
  CHAINFAN_REDIS_TLS: bool({ default: false, help: 'TLS to Redis in Sentinel and Cluster mode (single mode: use rediss://)' }),
  CHAINFAN_REDIS_TLS_CA_FILE: optionalStr({ help: 'PEM CA bundle trusted for Redis TLS, in addition to the system roots' }),
  CHAINFAN_BUS_TXS_PARTITIONS: int({
    min: 1, max: MAX_TXS_PARTITIONS, default: 1,
    help: 'hash partitions of the transaction stream (txs.0 … txs.N-1, spread over Cluster shards); ingestors and edges must use the same value',
  }),
} as const;

export type RedisEnv = EnvValues<typeof redisEnv>;

/**
 * The topology the variables describe. Throws CHAINFAN_CONFIG_INVALID naming the variable for contradictions
 * (sentinels and cluster nodes both set, sentinels without a name) and for an unreadable CA file.
 */
export function redisTopologyFromEnv(env: RedisEnv, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): RedisTopology {
  const problems: string[] = [];
  const sentinels = env.CHAINFAN_REDIS_SENTINELS;
  const nodes = env.CHAINFAN_REDIS_CLUSTER_NODES;
  if (sentinels !== undefined && nodes !== undefined) problems.push('CHAINFAN_REDIS_SENTINELS and CHAINFAN_REDIS_CLUSTER_NODES are both set; choose one mode');
  if (sentinels !== undefined && env.CHAINFAN_REDIS_SENTINEL_NAME === undefined) problems.push('CHAINFAN_REDIS_SENTINEL_NAME is required with CHAINFAN_REDIS_SENTINELS');
  if (sentinels === undefined && env.CHAINFAN_REDIS_SENTINEL_NAME !== undefined) problems.push('CHAINFAN_REDIS_SENTINEL_NAME is set without CHAINFAN_REDIS_SENTINELS');
  let ca: string | undefined;
  const caFile = env.CHAINFAN_REDIS_TLS_CA_FILE;
  if (caFile !== undefined) {
    try {
      ca = readFile(caFile);
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) problems.push(`CHAINFAN_REDIS_TLS_CA_FILE: ${caFile} holds no PEM certificate`);
    } catch (err) {
      problems.push(`CHAINFAN_REDIS_TLS_CA_FILE: cannot read ${caFile} (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  if (problems.length > 0) throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`, { context: { problems } });

  const urlTls = env.CHAINFAN_REDIS_URL.startsWith('rediss:');
  const wantTls = sentinels !== undefined || nodes !== undefined ? env.CHAINFAN_REDIS_TLS : urlTls || env.CHAINFAN_REDIS_TLS;
  const security = {
    ...(env.CHAINFAN_REDIS_USERNAME !== undefined ? { username: env.CHAINFAN_REDIS_USERNAME } : {}),
    ...(env.CHAINFAN_REDIS_PASSWORD !== undefined ? { password: env.CHAINFAN_REDIS_PASSWORD } : {}),
    ...(wantTls || ca !== undefined ? { tls: ca !== undefined ? { ca } : {} } : {}),
  };
  if (sentinels !== undefined) {
    return {
      kind: 'sentinel',
      sentinels,
      name: env.CHAINFAN_REDIS_SENTINEL_NAME ?? '',
      ...(env.CHAINFAN_REDIS_SENTINEL_PASSWORD !== undefined ? { sentinelPassword: env.CHAINFAN_REDIS_SENTINEL_PASSWORD } : {}),
      ...security,
    };
  }
  if (nodes !== undefined) return { kind: 'cluster', nodes, ...security };
  return { kind: 'single', url: env.CHAINFAN_REDIS_URL, ...security };
}
