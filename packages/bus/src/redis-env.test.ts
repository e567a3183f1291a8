import { ChainfanError } from '@chainfan/protocol';
import { parseEnv } from '@chainfan/telemetry';
import { describe, expect, it } from 'vitest';
import { redisEnv, redisTopologyFromEnv } from './redis-env.js';
import { describeRedisTopology, maskRedisUrl } from './redis-topology.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const topology = (env: Record<string, string>, files: Record<string, string> = {}) =>
  redisTopologyFromEnv(parseEnv(redisEnv, env), (p) => {
    const f = files[p];
    if (f === undefined) throw new Error(`ENOENT: ${p}`);
    return f;
  });
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ChainfanError);
    expect((err as ChainfanError).code).toBe('CHAINFAN_CONFIG_INVALID');
    return (err as ChainfanError).message.split('\n').slice(1).map((l) => l.replace(/^\s*- /, ''));
  }
  throw new Error('expected a configuration error');
};

describe('Redis configuration', () => {
  it('defaults to one local Redis', () => {
    expect(topology({})).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
  });

  it('takes TLS from rediss:// and credentials from the variables', () => {
    expect(topology({ CHAINFAN_REDIS_URL: 'rediss://r.internal:6380', CHAINFAN_REDIS_USERNAME: 'app', CHAINFAN_REDIS_PASSWORD: 'pw' })).toEqual({
      kind: 'single', url: 'rediss://r.internal:6380', username: 'app', password: 'pw', tls: {},
    });
  });

  it('builds a Sentinel topology with the CA bundle read from its file', () => {
    const t = topology(
      { CHAINFAN_REDIS_SENTINELS: 's1:26379, [::1]:26380', CHAINFAN_REDIS_SENTINEL_NAME: 'main', CHAINFAN_REDIS_TLS: 'true', CHAINFAN_REDIS_TLS_CA_FILE: '/ca.pem' },
      { '/ca.pem': PEM },
    );
    expect(t).toEqual({ kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: '::1', port: 26380 }], name: 'main', tls: { ca: PEM } });
  });

  it('builds a Cluster topology from the seed list', () => {
    expect(topology({ CHAINFAN_REDIS_CLUSTER_NODES: 'n1:7000,n2:7001', CHAINFAN_REDIS_PASSWORD: 'pw' })).toEqual({
      kind: 'cluster', nodes: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }], password: 'pw',
    });
  });

  it('names the variable of every problem', () => {
    expect(problemsOf(() => parseEnv(redisEnv, { CHAINFAN_REDIS_CLUSTER_NODES: 'n1:7000,n2', CHAINFAN_REDIS_SENTINELS: 'x:99999' }))).toEqual([
      'CHAINFAN_REDIS_SENTINELS: "x:99999" is not host:port',
      'CHAINFAN_REDIS_CLUSTER_NODES: "n2" is not host:port',
    ]);
    expect(problemsOf(() => topology({ CHAINFAN_REDIS_SENTINELS: 's:1', CHAINFAN_REDIS_CLUSTER_NODES: 'n:2', CHAINFAN_REDIS_TLS_CA_FILE: '/missing.pem' }))).toEqual([
      'CHAINFAN_REDIS_SENTINELS and CHAINFAN_REDIS_CLUSTER_NODES are both set; choose one mode',
      'CHAINFAN_REDIS_SENTINEL_NAME is required with CHAINFAN_REDIS_SENTINELS',
      'CHAINFAN_REDIS_TLS_CA_FILE: cannot read /missing.pem (ENOENT: /missing.pem)',
    ]);
    expect(problemsOf(() => topology({ CHAINFAN_REDIS_SENTINEL_NAME: 'main' }))).toEqual(['CHAINFAN_REDIS_SENTINEL_NAME is set without CHAINFAN_REDIS_SENTINELS']);
    expect(problemsOf(() => topology({ CHAINFAN_REDIS_TLS_CA_FILE: '/x' }, { '/x': 'not a pem' }))).toEqual(['CHAINFAN_REDIS_TLS_CA_FILE: /x holds no PEM certificate']);
    expect(problemsOf(() => parseEnv(redisEnv, { CHAINFAN_REDIS_URL: 'http://r:1' }))).toEqual(['CHAINFAN_REDIS_URL must use redis: or rediss:, got "http:"']);
  });

  it('never shows a password in log text', () => {
    expect(maskRedisUrl('redis://app:hunter2@r:6379/0')).toBe('redis://app:***@r:6379/0');
    expect(maskRedisUrl('not a url hunter2')).not.toContain('hunter2');
    const t = topology({ CHAINFAN_REDIS_CLUSTER_NODES: 'n1:7000', CHAINFAN_REDIS_USERNAME: 'app', CHAINFAN_REDIS_PASSWORD: 'hunter2' });
    expect(describeRedisTopology(t)).toBe('cluster via n1:7000 user=app password=***');
    expect(describeRedisTopology(topology({ CHAINFAN_REDIS_URL: 'redis://:hunter2@r:6379' }))).toBe('single redis://:***@r:6379');
  });
});
