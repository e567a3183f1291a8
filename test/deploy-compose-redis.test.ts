// deploy/compose.yaml with its Redis mode overrides (compose.sentinel.yaml, compose.cluster.yaml), read the way
// `docker compose -f a -f b` merges them: every chainfan service ends up with exactly one Redis mode's variables,
// names that exist in the file, the password every Redis requires, and nothing left over from single mode.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_ARGS } from './helpers/cli-command.js';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const RESET = Symbol('reset');
const CHAINFAN = ['ingestor-1', 'ingestor-2', 'edge-1', 'edge-2', 'edge-3'];
const PASSWORD = '${CHAINFAN_REDIS_PASSWORD:-chainfan}';

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string | typeof RESET | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  build?: { dockerfile: string };
}
type Compose = { services: Record<string, Service> };

function load(file: string): Compose {
  return parse(readFileSync(join(DEPLOY, file), 'utf8'), { merge: true, customTags: [{ tag: '!reset', resolve: () => RESET }] }) as Compose;
}

/** compose's merge of override files: mappings merge key by key, `!reset` removes, sequences and scalars replace. */
function merge(base: Compose, override: Compose): Compose {
  const services: Record<string, Service> = structuredClone(base.services);
  for (const [name, o] of Object.entries(override.services)) {
    const s = (services[name] ??= {});
    for (const [k, v] of Object.entries(o) as [keyof Service, unknown][]) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof s[k] === 'object' && !Array.isArray(s[k])) {
        const m = { ...(s[k] as object), ...(v as object) } as Record<string, unknown>;
        for (const [mk, mv] of Object.entries(m)) if (mv === RESET) delete m[mk];
        (s as Record<string, unknown>)[k] = m;
      } else (s as Record<string, unknown>)[k] = v;
    }
  }
  return { services };
}

function roleVariables(role: string): Set<string> {
  const r = spawnSync(process.execPath, [...CLI_ARGS, role, '--help'], { encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  return new Set(r.stdout.match(/CHAINFAN_[A-Z0-9_]+/g));
}

const redisVars = (s: Service) => Object.keys(s.environment ?? {}).filter((k) => k.startsWith('CHAINFAN_REDIS_')).sort();
const hostPorts = (list: string) => list.split(',').map((hp) => { const [host, port] = hp.split(':'); return { host: host!, port: Number(port) }; });

describe('deploy/compose Redis modes', () => {
  const base = load('compose.yaml');
  const known = { edge: roleVariables('edge'), ingestor: roleVariables('ingestor') };
  const checkVariables = (c: Compose) => {
    for (const name of CHAINFAN) {
      const role = name.startsWith('edge') ? 'edge' : 'ingestor';
      for (const k of Object.keys(c.services[name]!.environment ?? {}).filter((v) => v.startsWith('CHAINFAN_'))) expect(known[role].has(k), `${name}: ${k}`).toBe(true);
    }
  };

  it('single: one password-protected Redis, the URL carries the password', () => {
    const redis = base.services['redis']!;
    expect(redis.command!.join(' ')).toContain('--requirepass "$$REDISCLI_AUTH"');
    expect(redis.environment!['REDISCLI_AUTH']).toBe(PASSWORD);
    expect(base.services['redis-exporter']!.environment!['REDIS_PASSWORD']).toBe(PASSWORD);
    for (const name of CHAINFAN) {
      expect(redisVars(base.services[name]!), name).toEqual(['CHAINFAN_REDIS_URL']);
      expect(base.services[name]!.environment!['CHAINFAN_REDIS_URL']).toBe(`redis://:${PASSWORD}@redis:6379`);
      // ops endpoints default to loopback in the processes; Prometheus scrapes them from its own container
      expect(base.services[name]!.environment!['CHAINFAN_OPS_HOST'], name).toBe('0.0.0.0');
    }
    checkVariables(base);
  });

  it('Sentinel: three sentinels (quorum 2) watching the primary with a replica; every chainfan service finds the primary through them', () => {
    const c = merge(base, load('compose.sentinel.yaml'));
    const sentinels = Object.keys(c.services).filter((n) => /^sentinel-\d$/.test(n));
    expect(sentinels).toHaveLength(3);
    const script = c.services['sentinel-1']!.command!.join('\n');
    const monitor = /sentinel monitor (\S+) (\S+) (\d+) (\d+)/.exec(script)!;
    const [, masterName, masterHost, masterPort, quorum] = monitor;
    expect(c.services[masterHost!], 'monitored primary').toBeDefined();
    expect(Number(masterPort)).toBe(6379);
    expect(Number(quorum)).toBeGreaterThan(sentinels.length / 2);
    expect(Number(quorum)).toBeLessThanOrEqual(sentinels.length);
    expect(script).toContain(`sentinel auth-pass ${masterName} $$REDISCLI_AUTH`);
    expect(c.services['redis-replica']!.command!.join(' ')).toContain(`--replicaof ${masterHost} 6379`);
    for (const name of CHAINFAN) {
      const env = c.services[name]!.environment!;
      expect(redisVars(c.services[name]!), name).toEqual(['CHAINFAN_REDIS_PASSWORD', 'CHAINFAN_REDIS_SENTINELS', 'CHAINFAN_REDIS_SENTINEL_NAME']);
      expect(hostPorts(env['CHAINFAN_REDIS_SENTINELS'] as string)).toEqual(sentinels.map((host) => ({ host, port: 26379 })));
      expect(env['CHAINFAN_REDIS_SENTINEL_NAME']).toBe(masterName);
      expect(env['CHAINFAN_REDIS_PASSWORD']).toBe(PASSWORD);
      expect(env['CHAINFAN_LOG_LEVEL'], `${name} keeps the rest of its environment`).toBe('info');
      // compose merges depends_on: the base's (redis, node-sim) stay, the sentinels are added
      expect(Object.keys(c.services[name]!.depends_on!)).toEqual(expect.arrayContaining(sentinels));
    }
    for (const s of [...sentinels, 'redis-replica']) {
      expect(c.services[s]!.image).toBe(base.services['redis']!.image);
      expect(c.services[s]!.healthcheck!.test[0]).toBe('CMD');
    }
    checkVariables(c);
  });

  it('Cluster: six nodes joined as three primaries with a replica each; every chainfan service starts from seeds that exist', () => {
    const c = merge(base, load('compose.cluster.yaml'));
    const nodes = Object.keys(c.services).filter((n) => /^redis-node-\d$/.test(n));
    expect(nodes).toHaveLength(6);
    for (const n of nodes) {
      const cmd = c.services[n]!.command!.join(' ');
      expect(cmd).toContain('--cluster-enabled yes');
      expect(cmd).toContain('--requirepass "$$REDISCLI_AUTH"');
      expect(c.services[n]!.environment!['NODE']).toBe(n);
    }
    const init = c.services['redis-cluster-init']!.command!.join('\n');
    const create = /--cluster create ((?:\S+:\d+ )+)--cluster-replicas (\d+)/.exec(init)!;
    expect(create[1]!.trim().split(' ')).toEqual(nodes.map((n) => `${n}:6379`));
    expect(Number(create[2])).toBe(1);
    for (const name of CHAINFAN) {
      const env = c.services[name]!.environment!;
      expect(redisVars(c.services[name]!), name).toEqual(['CHAINFAN_REDIS_CLUSTER_NODES', 'CHAINFAN_REDIS_PASSWORD']);
      for (const { host, port } of hostPorts(env['CHAINFAN_REDIS_CLUSTER_NODES'] as string)) {
        expect(nodes).toContain(host);
        expect(port).toBe(6379);
      }
      expect(c.services[name]!.depends_on!['redis-cluster-init']).toEqual({ condition: 'service_completed_successfully' });
    }
    checkVariables(c);
  });
});
