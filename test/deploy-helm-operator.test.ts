// The chart read as an operator would, with the real helm: every secret in a Secret (never a ConfigMap), JWT keys
// as mounted files, an HPA that can scale down without a custom-metrics adapter, PDBs that never block a drain,
// client addresses trusted only behind the chart's Ingress or HTTPRoute, NetworkPolicies that admit only who
// needs each port, the three Redis deployment modes, and the chart packaged with `helm package`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_ARGS } from './helpers/cli-command.js';
import { parse } from 'yaml';
import { checkWiring, configData, type RoleVariables, workloads } from './helpers/kube-wiring.js';
import { findObject, helmTemplate, type KubeObject, type KubeTools, kubeTools, kustomizeBuild, run } from './helpers/kube-tools.js';
import { admits, type PeerPod } from './helpers/network-policy.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHART = join(ROOT, 'deploy/helm/chainfan');
const HA_VALUES = join(CHART, 'values-ha.yaml');

/** Variables of a role, from `chainfan <role> --help` (the table that validates them). */
function roleVariables(role: string): Set<string> {
  const r = spawnSync(process.execPath, [...CLI_ARGS, role, '--help'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return new Set(r.stdout.match(/CHAINFAN_[A-Z0-9_]+/g));
}

/** Variables whose values are credentials (or URLs that may carry them). */
const SECRET_VARS = /^CHAINFAN_(.*(SECRET|PASSWORD|API_KEYS|USERNAME)|RPC_URL|RPC_USER|REDIS_URL)$/;

interface Container {
  name: string;
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] } }[];
}
type Workload = KubeObject & { spec: { replicas?: number; template: { spec: PodSpec } } };

const container = (objs: readonly KubeObject[], role: string): Container => findObject<Workload>(objs, 'Deployment', `-${role}`).spec.template.spec.containers[0]!;
const podSpec = (objs: readonly KubeObject[], role: string): PodSpec => findObject<Workload>(objs, 'Deployment', `-${role}`).spec.template.spec;

/** The file a mounted Secret key appears at inside the container, or undefined. */
function mountedFile(objs: readonly KubeObject[], role: string, secretName: string, key: string): string | undefined {
  const spec = podSpec(objs, role);
  const vol = spec.volumes?.find((v) => v.secret?.secretName === secretName);
  const item = vol?.secret?.items?.find((i) => i.key === key);
  const mount = spec.containers[0]!.volumeMounts?.find((m) => m.name === vol?.name);
  return item === undefined || mount === undefined ? undefined : `${mount.mountPath}/${item.path}`;
}

describe('deploy/helm/chainfan as an operator reads it', () => {
  let tools: KubeTools;
  let vars: RoleVariables;

  beforeAll(() => {
    tools = kubeTools();
    vars = { edge: roleVariables('edge'), ingestor: roleVariables('ingestor') };
  });

  const PEM = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n';

  it('puts every secret into a Secret: auth keys, the HS256 secret, the RPC URL with credentials, Redis credentials', () => {
    const objs = helmTemplate(tools, CHART, [
      '--set', 'edge.secretEnv.CHAINFAN_EDGE_JWT_HS256_SECRET=hs-secret-value',
      '--set', 'edge.secretEnv.CHAINFAN_EDGE_API_KEYS=key-one',
      '--set', 'edge.secretEnv.CHAINFAN_EDGE_ADMIN_API_KEYS=admin-one',
      '--set', 'edge.secretEnv.CHAINFAN_RPC_URL=http://cmd:cmd-pass@evrmored:8819',
      '--set', 'node.rpcUrl=http://user:url-pass@evrmored:8819',
      '--set', 'node.rpcPassword=rpc-pass',
    ]);
    expect(checkWiring(objs, vars)).toEqual([]);
    const configMaps = objs.filter((o) => o.kind === 'ConfigMap');
    for (const cm of configMaps) {
      for (const [k, v] of Object.entries(configData(cm))) {
        expect(k, `${cm.metadata.name}: ${k}`).not.toMatch(SECRET_VARS);
        expect(v, `${cm.metadata.name}: ${k}`).not.toMatch(/hs-secret-value|key-one|admin-one|cmd-pass|url-pass|rpc-pass/);
      }
    }
    const edgeSecret = configData(findObject(objs, 'Secret', 'chainfan-edge'));
    expect(edgeSecret).toEqual({
      CHAINFAN_EDGE_JWT_HS256_SECRET: 'hs-secret-value', CHAINFAN_EDGE_API_KEYS: 'key-one', CHAINFAN_EDGE_ADMIN_API_KEYS: 'admin-one', CHAINFAN_RPC_URL: 'http://cmd:cmd-pass@evrmored:8819',
    });
    expect(container(objs, 'edge').envFrom).toContainEqual({ secretRef: { name: 'chainfan-edge' } });
    expect(configData(findObject(objs, 'Secret', '-secrets'))['CHAINFAN_RPC_URL']).toBe('http://user:url-pass@evrmored:8819');
    // edges read only the Redis connection from the shared Secret, never the node's credentials
    expect(container(objs, 'edge').env!.map((e) => e.name)).toEqual(['CHAINFAN_REDIS_URL']);
    expect(container(objs, 'edge').envFrom).not.toContainEqual({ secretRef: { name: 'chainfan-secrets' } });
  });

  it('mounts a JWT public key as a file, from the chart\'s Secret or an existing one, and points the edge at it', () => {
    const inline = helmTemplate(tools, CHART, ['--set-string', `edge.jwtPublicKey.pem=${PEM}`]);
    expect(checkWiring(inline, vars)).toEqual([]);
    const file = configData(findObject(inline, 'ConfigMap', '-edge'))['CHAINFAN_EDGE_JWT_PUBLIC_KEY_FILE'];
    expect(file).toBe('/etc/chainfan/jwt/jwt-public.pem');
    expect(mountedFile(inline, 'edge', 'chainfan-edge-jwt', 'jwt-public.pem')).toBe(file);
    expect(configData(findObject(inline, 'Secret', 'chainfan-edge-jwt'))['jwt-public.pem']).toBe(PEM);

    const existing = helmTemplate(tools, CHART, ['--set', 'edge.jwtPublicKey.existingSecret=issuer-keys', '--set', 'edge.jwtPublicKey.key=es256.pem']);
    const file2 = configData(findObject(existing, 'ConfigMap', '-edge'))['CHAINFAN_EDGE_JWT_PUBLIC_KEY_FILE'];
    expect(file2).toBe('/etc/chainfan/jwt/es256.pem');
    expect(mountedFile(existing, 'edge', 'issuer-keys', 'es256.pem')).toBe(file2);
    expect(existing.filter((o) => o.kind === 'Secret' && o.metadata.name.endsWith('-jwt'))).toEqual([]);
    // the edge's own Secret and envFrom only when there is something in it
    expect(existing.filter((o) => o.kind === 'Secret' && o.metadata.name === 'chainfan-edge')).toEqual([]);

    const both = run(tools.helm, ['lint', CHART, '--set-string', `edge.jwtPublicKey.pem=${PEM}`, '--set', 'edge.jwtPublicKey.existingSecret=x']);
    expect(both.code).not.toBe(0);
  });

  it('needs no externalRedis.url when existingSecret supplies CHAINFAN_REDIS_URL', () => {
    const lint = run(tools.helm, ['lint', CHART, '--strict', '--set', 'redis.enabled=false', '--set', 'existingSecret=my-chainfan']);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    const objs = helmTemplate(tools, CHART, ['--set', 'redis.enabled=false', '--set', 'existingSecret=my-chainfan']);
    expect(objs.filter((o) => o.kind === 'Secret' || o.kind === 'StatefulSet')).toEqual([]);
    const env = container(objs, 'edge').env!;
    expect(env.find((e) => e.name === 'CHAINFAN_REDIS_URL')!.valueFrom!.secretKeyRef).toEqual({ name: 'my-chainfan', key: 'CHAINFAN_REDIS_URL' });
    // ACL user and password may be in it too
    expect(env.find((e) => e.name === 'CHAINFAN_REDIS_PASSWORD')!.valueFrom!.secretKeyRef).toEqual({ name: 'my-chainfan', key: 'CHAINFAN_REDIS_PASSWORD', optional: true });
  });

  it('keeps the HPA able to scale down: CPU only unless connections are opted into, with the prometheus-adapter rule shipped', () => {
    const cpuOnly = helmTemplate(tools, CHART, ['--set', 'edge.autoscaling.enabled=true']);
    const hpa = (objs: KubeObject[]) => findObject<{ spec: { metrics: { resource?: { name: string }; pods?: { metric: { name: string } } }[] } }>(objs, 'HorizontalPodAutoscaler', '-edge').spec.metrics.map((m) => m.resource?.name ?? m.pods?.metric.name);
    expect(hpa(cpuOnly)).toEqual(['cpu']);
    const optIn = helmTemplate(tools, CHART, ['--set', 'edge.autoscaling.enabled=true', '--set', 'edge.autoscaling.connectionsPerPod=8000']);
    expect(hpa(optIn)).toEqual(['cpu', 'chainfan_edge_connections']);
    // the production overlay's HPA: CPU only too
    const prod = kustomizeBuild(tools, join(ROOT, 'deploy/k8s/overlays/production'));
    expect(hpa(prod)).toEqual(['cpu']);

    const adapter = parse(readFileSync(join(CHART, 'files/prometheus-adapter-rules.yaml'), 'utf8')) as { rules: { custom: { seriesQuery: string; name: { as: string }; resources: { overrides: Record<string, { resource: string }> } }[] } };
    const rule = adapter.rules.custom[0]!;
    expect(rule.name.as).toBe('chainfan_edge_connections');
    expect(rule.seriesQuery).toMatch(/^chainfan_edge_connections\{/);
    expect(rule.resources.overrides['pod']!.resource).toBe('pod');
    // the gauge the rule serves is one the edge registers
    expect(readFileSync(join(ROOT, 'packages/telemetry/src/edge-metrics.ts'), 'utf8')).toContain("name: 'chainfan_edge_connections'");
  });

  it('renders PDBs that always allow one eviction, whatever the replica counts', () => {
    const renders: [string, KubeObject[]][] = [
      ['defaults', helmTemplate(tools, CHART)],
      ['one ingestor, one edge', helmTemplate(tools, CHART, ['--set', 'ingestor.replicas=1', '--set', 'edge.replicas=1'])],
      ['HA', helmTemplate(tools, CHART, ['-f', HA_VALUES])],
      ['kustomize base', kustomizeBuild(tools, join(ROOT, 'deploy/k8s/base'))],
      ['kustomize production', kustomizeBuild(tools, join(ROOT, 'deploy/k8s/overlays/production'))],
    ];
    for (const [name, objs] of renders) {
      const pdbs = objs.filter((o) => o.kind === 'PodDisruptionBudget');
      expect(pdbs.map((p) => p.metadata.name.replace(/^chainfan-/, '')).sort(), name).toEqual(['edge', 'ingestor', 'redis']);
      for (const p of pdbs) {
        const spec = p['spec'] as { minAvailable?: unknown; maxUnavailable?: number | string };
        expect(spec.minAvailable, `${name}: ${p.metadata.name}`).toBeUndefined();
        expect(typeof spec.maxUnavailable === 'number' ? spec.maxUnavailable : parseInt(String(spec.maxUnavailable), 10), `${name}: ${p.metadata.name}`).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('never sets replicas on a Deployment an HPA owns (chart and production overlay)', () => {
    for (const objs of [helmTemplate(tools, CHART, ['-f', HA_VALUES]), kustomizeBuild(tools, join(ROOT, 'deploy/k8s/overlays/production'))]) {
      const targets = objs.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((h) => (h['spec'] as { scaleTargetRef: { name: string } }).scaleTargetRef.name);
      expect(targets).toEqual(['chainfan-edge']);
      for (const w of workloads(objs).filter((x) => targets.includes(x.metadata.name))) expect(w.spec.replicas, w.metadata.name).toBeUndefined();
    }
  });

  it('trusts X-Forwarded-For behind the chart\'s Ingress or HTTPRoute only', () => {
    // kustomize names generated ConfigMaps with a content hash
    const trust = (objs: KubeObject[]) => configData(objs.find((o) => o.kind === 'ConfigMap' && /^chainfan-edge(-[a-z0-9]{10})?$/.test(o.metadata.name))!)['CHAINFAN_EDGE_TRUST_FORWARDED_FOR'];
    expect(trust(helmTemplate(tools, CHART))).toBe('false');
    expect(trust(helmTemplate(tools, CHART, ['--set', 'ingress.enabled=true']))).toBe('true');
    expect(trust(helmTemplate(tools, CHART, ['--set', 'ingress.enabled=true', '--set', 'edge.trustForwardedFor=false']))).toBe('false');
    expect(trust(helmTemplate(tools, CHART, ['--set', 'edge.trustForwardedFor=true']))).toBe('true');
    // a LoadBalancer straight to the edges: no proxy to trust, Local keeps the client address
    const lb = helmTemplate(tools, CHART, ['--set', 'edge.service.type=LoadBalancer', '--set', 'edge.service.externalTrafficPolicy=Local']);
    expect(trust(lb)).toBe('false');
    expect((findObject(lb, 'Service', '-edge')['spec'] as { externalTrafficPolicy: string }).externalTrafficPolicy).toBe('Local');
    expect(run(tools.helm, ['lint', CHART, '--set', 'edge.service.externalTrafficPolicy=Local']).code, 'Local needs a LoadBalancer or NodePort').not.toBe(0);
    const gw = helmTemplate(tools, CHART, ['--set', 'gateway.enabled=true', '--set', 'gateway.parentRefs[0].name=public', '--set', 'gateway.parentRefs[0].namespace=gateway-system']);
    expect(trust(gw)).toBe('true');
    expect(trust(kustomizeBuild(tools, join(ROOT, 'deploy/k8s/overlays/production')))).toBe('true');
    expect(trust(kustomizeBuild(tools, join(ROOT, 'deploy/k8s/base')))).toBe('false');

    const route = findObject<{ spec: { parentRefs: { name: string }[]; rules: { backendRefs: { name: string; port: number }[]; timeouts?: { request: string } }[] } }>(gw, 'HTTPRoute', 'chainfan');
    expect(route.spec.parentRefs).toEqual([{ name: 'public', namespace: 'gateway-system' }]);
    // no request timeout cuts a long-lived WebSocket
    expect(route.spec.rules[0]!.timeouts).toEqual({ request: '0s' });
    const backend = route.spec.rules[0]!.backendRefs[0]!;
    const svc = findObject<{ spec: { ports: { name: string; port: number }[] } }>(gw, 'Service', backend.name);
    expect(svc.spec.ports.find((p) => p.port === backend.port)?.name).toBe('ws');
  });

  it('binds the ops endpoints to all interfaces in the pod (the processes default to loopback), so Prometheus and probes reach them', () => {
    const renders = [helmTemplate(tools, CHART), kustomizeBuild(tools, join(ROOT, 'deploy/k8s/base')), kustomizeBuild(tools, join(ROOT, 'deploy/k8s/overlays/production'))];
    for (const objs of renders) {
      for (const role of ['edge', 'ingestor']) {
        const cm = objs.find((o) => o.kind === 'ConfigMap' && new RegExp(`^chainfan-${role}(-[a-z0-9]{10})?$`).test(o.metadata.name))!;
        expect(configData(cm)['CHAINFAN_OPS_HOST'], `${cm.metadata.name}`).toBe('0.0.0.0');
      }
    }
  });

  describe('NetworkPolicies', () => {
    const edgePod: PeerPod = { namespace: 'chainfan', labels: { 'app.kubernetes.io/name': 'chainfan', 'app.kubernetes.io/instance': 'chainfan', 'app.kubernetes.io/component': 'edge' } };
    const ingestorPod: PeerPod = { namespace: 'chainfan', labels: { ...edgePod.labels, 'app.kubernetes.io/component': 'ingestor' } };
    const otherPod: PeerPod = { namespace: 'chainfan', labels: { app: 'debug-shell' } };
    const otherNamespace: PeerPod = { namespace: 'web', labels: { ...edgePod.labels } };
    const prometheus: PeerPod = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };

    for (const [name, render] of [
      ['chart', () => helmTemplate(tools, CHART)],
      ['kustomize base', () => kustomizeBuild(tools, join(ROOT, 'deploy/k8s/base'))],
    ] as const) {
      it(`${name}: Redis only from chainfan pods, ops ports only from the monitoring namespace, WebSockets from anyone`, () => {
        const objs = render();
        const target = (component: string) => workloads(objs).find((w) => w.spec.template.metadata.labels['app.kubernetes.io/component'] === component)!;
        const redis = target('redis');
        const edge = target('edge');
        const ingestor = target('ingestor');
        expect(admits(objs, redis, 'redis', edgePod)).toBe(true);
        expect(admits(objs, redis, 'redis', ingestorPod)).toBe(true);
        expect(admits(objs, redis, 'redis', otherPod)).toBe(false);
        expect(admits(objs, redis, 'redis', otherNamespace)).toBe(false);
        expect(admits(objs, redis, 'redis', prometheus)).toBe(false);
        expect(admits(objs, redis, 'metrics', prometheus)).toBe(true);
        for (const w of [edge, ingestor]) {
          expect(admits(objs, w, 'ops', prometheus), w.metadata.name).toBe(true);
          expect(admits(objs, w, 'ops', otherPod), w.metadata.name).toBe(false);
          expect(admits(objs, w, 'ops', edgePod), w.metadata.name).toBe(false);
        }
        expect(admits(objs, edge, 'ws', otherNamespace)).toBe(true);
        expect(admits(objs, edge, 'ws', otherPod)).toBe(true);
      });
    }
  });

  describe('Redis deployment modes', () => {
    it('single external Redis over TLS with an ACL user: URL, user and password in the Secret, the CA mounted as a file', () => {
      const objs = helmTemplate(tools, CHART, [
        '--set', 'redis.enabled=false', '--set', 'externalRedis.url=rediss://redis.example.com:6380',
        '--set', 'externalRedis.username=chainfan', '--set', 'externalRedis.password=pw', '--set', 'externalRedis.tls.caSecret=redis-ca',
      ]);
      expect(checkWiring(objs, vars)).toEqual([]);
      const secret = configData(findObject(objs, 'Secret', '-secrets'));
      expect(secret).toMatchObject({ CHAINFAN_REDIS_URL: 'rediss://redis.example.com:6380', CHAINFAN_REDIS_USERNAME: 'chainfan', CHAINFAN_REDIS_PASSWORD: 'pw' });
      for (const role of ['edge', 'ingestor']) {
        const ca = configData(findObject(objs, 'ConfigMap', `-${role}`))['CHAINFAN_REDIS_TLS_CA_FILE'];
        expect(ca).toBe('/etc/chainfan/redis-ca/ca.crt');
        expect(mountedFile(objs, role, 'redis-ca', 'ca.crt'), role).toBe(ca);
      }
      expect(container(objs, 'edge').env!.map((e) => e.name).sort()).toEqual(['CHAINFAN_REDIS_PASSWORD', 'CHAINFAN_REDIS_URL', 'CHAINFAN_REDIS_USERNAME']);
    });

    it('Sentinel: the sentinel list and master name in the config, the password in the Secret, no URL', () => {
      const objs = helmTemplate(tools, CHART, [
        '--set', 'redis.enabled=false', '--set', 'externalRedis.mode=sentinel', '--set', 'externalRedis.sentinels={s1:26379,s2:26379,s3:26379}',
        '--set', 'externalRedis.sentinelName=chainfan', '--set', 'externalRedis.password=pw', '--set', 'externalRedis.sentinelPassword=spw',
        '--set', 'externalRedis.tls.enabled=true',
      ]);
      expect(checkWiring(objs, vars)).toEqual([]);
      for (const role of ['edge', 'ingestor']) {
        const cm = configData(findObject(objs, 'ConfigMap', `-${role}`));
        expect(cm['CHAINFAN_REDIS_SENTINELS']).toBe('s1:26379,s2:26379,s3:26379');
        expect(cm['CHAINFAN_REDIS_SENTINEL_NAME']).toBe('chainfan');
        expect(cm['CHAINFAN_REDIS_TLS']).toBe('true');
      }
      const secret = configData(findObject(objs, 'Secret', '-secrets'));
      expect(secret['CHAINFAN_REDIS_URL']).toBeUndefined();
      expect(secret['CHAINFAN_REDIS_PASSWORD']).toBe('pw');
      expect(secret['CHAINFAN_REDIS_SENTINEL_PASSWORD']).toBe('spw');
      expect(container(objs, 'edge').env!.map((e) => e.name)).toEqual(['CHAINFAN_REDIS_PASSWORD', 'CHAINFAN_REDIS_SENTINEL_PASSWORD']);
      expect(objs.filter((o) => o.kind === 'StatefulSet' || o.metadata.name.endsWith('-redis'))).toEqual([]);
    });

    it('Cluster: the seed list in the config, credentials from an existing Secret', () => {
      const objs = helmTemplate(tools, CHART, ['--set', 'redis.enabled=false', '--set', 'externalRedis.mode=cluster', '--set', 'externalRedis.clusterNodes={c1:6379,c2:6379,c3:6379}', '--set', 'existingSecret=redis-creds']);
      for (const role of ['edge', 'ingestor']) {
        const cm = configData(findObject(objs, 'ConfigMap', `-${role}`));
        expect(cm['CHAINFAN_REDIS_CLUSTER_NODES']).toBe('c1:6379,c2:6379,c3:6379');
        expect(cm['CHAINFAN_REDIS_SENTINELS']).toBeUndefined();
      }
      const env = container(objs, 'edge').env!;
      expect(env.map((e) => e.name).sort()).toEqual(['CHAINFAN_REDIS_PASSWORD', 'CHAINFAN_REDIS_USERNAME']);
      for (const e of env) expect(e.valueFrom!.secretKeyRef).toMatchObject({ name: 'redis-creds', optional: true });
    });

    it('the bundled Redis keeps its generated password across upgrades (lookup) and takes a set one', () => {
      const set = helmTemplate(tools, CHART, ['--set', 'redis.auth.password=fixed-pass']);
      expect(configData(findObject(set, 'Secret', '-redis'))['redis-password']).toBe('fixed-pass');
      expect(configData(findObject(set, 'Secret', '-secrets'))['CHAINFAN_REDIS_URL']).toBe('redis://:fixed-pass@chainfan-redis:6379');
      // two renders without a cluster: two different generated passwords (nothing predictable from the release name)
      const a = configData(findObject(helmTemplate(tools, CHART), 'Secret', '-redis'))['redis-password'];
      const b = configData(findObject(helmTemplate(tools, CHART), 'Secret', '-redis'))['redis-password'];
      expect(a).not.toBe(b);
      expect(readFileSync(join(CHART, 'templates/_helpers.tpl'), 'utf8')).toMatch(/lookup "v1" "Secret" \.Release\.Namespace \(include "chainfan\.redisSecretName" \.\)/);
    });
  });

  describe('helm package', () => {
    let dir: string;
    let tgz: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'chainfan-chart-'));
      const r = run(tools.helm, ['package', CHART, '--destination', dir]);
      if (r.code !== 0) throw new Error(r.stderr);
      const version = (parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { version: string }).version;
      tgz = join(dir, `chainfan-${version}.tgz`);
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('produces chainfan-<version>.tgz that lints strictly and renders what the sources render', () => {
      expect(existsSync(tgz)).toBe(true);
      for (const extra of [[], ['-f', HA_VALUES]]) {
        const lint = run(tools.helm, ['lint', tgz, '--strict', ...extra]);
        expect(lint.code, lint.stdout + lint.stderr).toBe(0);
      }
      const fixed = ['--set', 'redis.auth.password=same', '-f', HA_VALUES];
      expect(helmTemplate(tools, tgz, fixed)).toEqual(helmTemplate(tools, CHART, fixed));
      // the schema travels with the package
      const bad = run(tools.helm, ['lint', tgz, '--set', 'edge.extraEnv.CHAINFAN_EDGE_API_KEYS=k']);
      expect(bad.code).not.toBe(0);
      const packaged = run(tools.helm, ['show', 'chart', tgz]);
      expect(packaged.stdout).toMatch(/^version: \d+\.\d+\.\d+/m);
    });
  });
});
