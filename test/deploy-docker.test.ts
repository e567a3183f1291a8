// deploy/docker and deploy/compose.yaml, checked without a Docker engine: structure, pinned images, non-root users,
// signal handling, health checks (the image HEALTHCHECK commands are run against a real edge), referenced files,
// and every CHAINFAN_* variable compose sets is one its role reads.
import { INGESTOR_NODE_FLAGS } from '@chainfan/ingestor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { freePort } from '@chainfan/testkit';
import { ChainfanProcess } from './helpers/chainfan-process.js';
import { execForm, parseDockerfile, type Stage } from './helpers/dockerfile.js';
import { edgePorts } from './helpers/role-ports.js';
import { CLI_ARGS } from './helpers/cli-command.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const ROLES = ['edge', 'ingestor', 'sim'] as const;

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  stop_grace_period?: string;
  read_only?: boolean;
}

const compose = parse(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
const services = compose.services;

function dockerfile(role: string): { stages: readonly Stage[]; runtime: Stage; text: string } {
  const text = readFileSync(join(DEPLOY, 'docker', `${role}.Dockerfile`), 'utf8');
  const { stages } = parseDockerfile(text);
  return { stages, runtime: stages.at(-1)!, text };
}

/** Variables a role reads, from `chainfan <role> --help` (the same table that validates them). */
function roleVariables(role: string): Set<string> {
  const r = spawnSync(process.execPath, [...CLI_ARGS, role, '--help'], { encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  return new Set(r.stdout.match(/CHAINFAN_[A-Z0-9_]+/g));
}

function secondsOf(duration: string): number {
  const m = /^(\d+)(ms|s|m)$/.exec(duration);
  if (m === null) throw new Error(`unparsed duration ${duration}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60 }[m[2] as 'ms' | 's' | 'm'];
}

describe('deploy/docker Dockerfiles', () => {
  for (const role of ROLES) {
    it(`${role}: multi-stage on pinned Debian slim, non-root, tini as PID 1, a HEALTHCHECK, files that exist`, () => {
      const { stages, runtime, text } = dockerfile(role);
      expect(stages.length).toBeGreaterThanOrEqual(2);
      for (const s of stages) {
        expect(s.from, 'glibc ≥ 2.38 base for uWebSockets.js on Node 22/24').toMatch(/^node:\d+\.\d+\.\d+-trixie-slim$/);
        expect(s.from).not.toMatch(/:latest$/);
      }
      const ins = (k: string) => runtime.instructions.filter((i) => i.keyword === k);
      // the runtime stage has no compiler toolchain
      expect(ins('RUN').map((i) => i.args).join(' ')).not.toMatch(/\b(g\+\+|make|python3)\b/);
      const user = ins('USER').at(-1)?.args;
      expect(user).toMatch(/^[1-9]\d*(:\d+)?$/); // numeric and not 0, so runAsNonRoot can verify it
      const entry = execForm(ins('ENTRYPOINT').at(-1)!.args)!;
      expect(entry).toEqual(['/usr/bin/tini', '--', 'node', ...(role === 'ingestor' ? INGESTOR_NODE_FLAGS : []), 'packages/cli/dist/main.js', role]);
      expect(ins('RUN').some((i) => /apt-get install[^&]*\btini\b/.test(i.args))).toBe(true);
      expect(ins('STOPSIGNAL').at(-1)?.args).toBe('SIGTERM');
      const health = ins('HEALTHCHECK').at(-1)!.args;
      expect(health).toMatch(/--interval=\d+s .*CMD \[/);
      // every COPY from the build context names something in the repository
      for (const s of stages) {
        for (const c of s.instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))) {
          const parts = c.args.split(' ').filter((p) => !p.startsWith('--'));
          for (const src of parts.slice(0, -1)) expect(existsSync(join(ROOT, src)), `${role}: COPY ${src}`).toBe(true);
        }
      }
      expect(text).toContain(`deploy/docker/${role}.Dockerfile`);
      const ignore = readFileSync(join(DEPLOY, 'docker', `${role}.Dockerfile.dockerignore`), 'utf8');
      for (const needed of ['!package.json', '!package-lock.json', '!packages/', 'packages/*/node_modules']) expect(ignore).toContain(needed);
    });
  }

  describe('HEALTHCHECK commands run against real processes', () => {
    let edge: ChainfanProcess;
    let opsPort: number;
    let rpcStandIn: Server;
    let rpcPort: number;

    beforeAll(async () => {
      edge = new ChainfanProcess('edge', [], { CHAINFAN_BUS: 'memory', CHAINFAN_EDGE_HOST: '127.0.0.1', CHAINFAN_EDGE_PORT: '0', CHAINFAN_OPS_HOST: '127.0.0.1', CHAINFAN_EDGE_OPS_PORT: '0' });
      opsPort = (await edgePorts(edge)).opsPort;
      rpcStandIn = createServer((s) => s.end());
      await new Promise<void>((r) => rpcStandIn.listen(0, '127.0.0.1', r));
      rpcPort = (rpcStandIn.address() as { port: number }).port;
    });

    afterAll(async () => {
      await edge?.stop();
      await new Promise((r) => rpcStandIn?.close(r));
    });

    const runHealth = (role: string, env: Record<string, string>): number | null => {
      const health = dockerfile(role).runtime.instructions.filter((i) => i.keyword === 'HEALTHCHECK').at(-1)!.args;
      const cmd = execForm(health.slice(health.indexOf('CMD ') + 4))!;
      return spawnSync(cmd[0] === 'node' ? process.execPath : cmd[0]!, cmd.slice(1), { env: { ...process.env, ...env }, timeout: 10_000 }).status;
    };

    it('pass when the ops or RPC port answers and fail when nothing listens', async () => {
      const closed = String(await freePort());
      expect(runHealth('edge', { CHAINFAN_EDGE_OPS_PORT: String(opsPort) })).toBe(0);
      expect(runHealth('edge', { CHAINFAN_EDGE_OPS_PORT: closed })).toBe(1);
      // the ingestor's ops server is the same telemetry module: /healthz on its port
      expect(runHealth('ingestor', { CHAINFAN_INGESTOR_OPS_PORT: String(opsPort) })).toBe(0);
      expect(runHealth('ingestor', { CHAINFAN_INGESTOR_OPS_PORT: closed })).toBe(1);
      expect(runHealth('sim', { CHAINFAN_SIM_RPC_PORT: String(rpcPort) })).toBe(0);
      expect(runHealth('sim', { CHAINFAN_SIM_RPC_PORT: closed })).toBe(1);
    });
  });
});

describe('deploy/compose.yaml', () => {
  it('runs Redis, node-sim, two ingestors, three edges, nginx, Prometheus and Grafana', () => {
    for (const name of ['redis', 'node-sim', 'ingestor-1', 'ingestor-2', 'edge-1', 'edge-2', 'edge-3', 'nginx', 'prometheus', 'grafana']) {
      expect(services, name).toHaveProperty(name);
    }
    const byDockerfile = (role: string) => Object.keys(services).filter((n) => services[n]!.build?.dockerfile === `deploy/docker/${role}.Dockerfile`);
    expect(byDockerfile('edge')).toEqual(['edge-1', 'edge-2', 'edge-3']);
    expect(byDockerfile('ingestor')).toEqual(['ingestor-1', 'ingestor-2']);
    expect(byDockerfile('sim')).toEqual(['node-sim']);
  });

  it('pins every image, builds from existing Dockerfiles and health-checks every long-running service', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.image, `${name} image`).toMatch(/^[\w./-]+:v?\d+\.\d+\.\d+(-[\w.]+)?$/);
      expect(s.image).not.toMatch(/:latest$/);
      if (s.build !== undefined) {
        const context = resolve(DEPLOY, s.build.context);
        expect(context).toBe(resolve(ROOT));
        expect(existsSync(join(context, s.build.dockerfile)), `${name} dockerfile`).toBe(true);
      }
      // redis_exporter's image is FROM scratch (no shell, no client); Prometheus alerts on its target instead
      if (name !== 'redis-exporter') expect(s.healthcheck?.test[0], `${name} healthcheck`).toBe('CMD');
    }
    for (const name of ['edge-1', 'ingestor-1', 'node-sim']) expect(services[name]!.read_only).toBe(true);
  });

  it('gives each ingestor its own durable volume for its state file', () => {
    const mounts = ['ingestor-1', 'ingestor-2'].map((name) => {
      const file = services[name]!.environment!['CHAINFAN_INGESTOR_STATE_FILE']!;
      const mount = (services[name]!.volumes ?? []).find((v) => file.startsWith(`${v.split(':')[1]!}/`));
      expect(mount, `${name}: a volume holds ${file}`).toBeDefined();
      return mount!.split(':')[0];
    });
    expect(new Set(mounts).size).toBe(2);
    // the image creates the mount point for its user, so a fresh named volume is writable by it
    expect(dockerfile('ingestor').text).toMatch(/install -d -o 10001 -g 10001 -m 0700 \/var\/lib\/chainfan/);
  });

  it('mounts only files and directories that exist (or declared named volumes), and wires nginx, Prometheus and Grafana to the services', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const host = v.split(':')[0]!;
        if (/^[\w-]+$/.test(host)) expect(Object.keys(compose.volumes ?? {}), `${name}: named volume ${host}`).toContain(host);
        else expect(existsSync(resolve(DEPLOY, host)), `${name}: ${host}`).toBe(true);
      }
    }
    const upstreams = readFileSync(join(DEPLOY, 'nginx/upstream.d/edges.conf'), 'utf8');
    expect([...upstreams.matchAll(/^server (\S+):8765 /gm)].map((m) => m[1])).toEqual(['edge-1', 'edge-2', 'edge-3']);
    for (const e of ['edge-1', 'edge-2', 'edge-3']) expect(Object.keys(services['nginx']!.depends_on ?? {})).toContain(e);

    const prom = parse(readFileSync(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const targets = Object.fromEntries(prom.scrape_configs.map((c) => [c.job_name, c.static_configs.flatMap((sc) => sc.targets)]));
    expect(targets['chainfan-edge']).toEqual(['edge-1:9465', 'edge-2:9465', 'edge-3:9465']);
    expect(targets['chainfan-ingestor']).toEqual(['ingestor-1:9466', 'ingestor-2:9466']);
    expect(targets['redis']).toEqual(['redis-exporter:9121']);
    expect(services['prometheus']!.volumes).toContain('../grafana/prometheus/alerts.yaml:/etc/prometheus/rules/chainfan.yaml:ro');

    const provider = parse(readFileSync(join(ROOT, 'grafana/provisioning/dashboards/chainfan.yaml'), 'utf8')) as { providers: { options: { path: string } }[] };
    const dashboardsMount = services['grafana']!.volumes!.find((v) => v.startsWith('../grafana/dashboards:'))!;
    expect(dashboardsMount.split(':')[1]).toBe(provider.providers[0]!.options.path);
    expect(readdirSync(join(ROOT, 'grafana/dashboards')).filter((f) => f.endsWith('.json')).sort()).toEqual(['edge.json', 'ingestor.json', 'overview.json', 'redis.json']);
    expect(services['grafana']!.environment!['CHAINFAN_PROMETHEUS_URL']).toBe('http://prometheus:9090');
  });

  it('gives edges a stop grace period longer than their drain deadline', () => {
    for (const name of ['edge-1', 'edge-2', 'edge-3']) {
      const s = services[name]!;
      expect(secondsOf(s.stop_grace_period!)).toBeGreaterThan(Number(s.environment!['CHAINFAN_EDGE_DRAIN_TIMEOUT_MS']) / 1000);
    }
  });

  it('sets only CHAINFAN_* variables that the role reads', () => {
    const known = { edge: roleVariables('edge'), ingestor: roleVariables('ingestor'), sim: roleVariables('sim') };
    for (const [name, s] of Object.entries(services)) {
      const role = s.build?.dockerfile.match(/docker\/(\w+)\.Dockerfile$/)?.[1] as keyof typeof known | undefined;
      if (role === undefined) continue;
      for (const v of Object.keys(s.environment ?? {}).filter((k) => k.startsWith('CHAINFAN_'))) {
        expect(known[role].has(v), `${name}: ${v}`).toBe(true);
      }
    }
    // the image defaults too
    for (const role of ROLES) {
      const env = dockerfile(role).runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
      for (const v of env.match(/CHAINFAN_[A-Z0-9_]+/g) ?? []) expect(known[role].has(v), `${role}.Dockerfile: ${v}`).toBe(true);
    }
  });
});
