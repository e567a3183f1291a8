// deploy/helm/chainfan and deploy/k8s with the real helm and kubectl: lint (values.schema.json included), render
// with default, HA and external-Redis values, build the kustomize base and production overlay, and check that the
// objects reference each other correctly and carry what the issue asks (drain-matched grace periods, HPA on CPU and
// connections, PDBs, two ingestors, toggles). Schema validation of the same objects: deploy-k8s-schemas.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { checkWiring, configData, type RoleVariables } from './helpers/kube-wiring.js';
import { findObject, helmTemplate, type KubeObject, type KubeTools, kubeTools, kustomizeBuild, run } from './helpers/kube-tools.js';
import { CLI_ARGS } from './helpers/cli-command.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHART = join(ROOT, 'deploy/helm/chainfan');
const HA_VALUES = join(CHART, 'values-ha.yaml');
const ALERTS = join(ROOT, 'grafana/prometheus/alerts.yaml');

function roleVariables(role: string): Set<string> {
  const r = spawnSync(process.execPath, [...CLI_ARGS, role, '--help'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return new Set(r.stdout.match(/CHAINFAN_[A-Z0-9_]+/g));
}

type Hpa = { spec: { metrics: { type: string; resource?: { name: string }; pods?: { metric: { name: string }; target: { averageValue: string } } }[] } };
const hpaMetrics = (objs: readonly KubeObject[]) => findObject<Hpa>(objs, 'HorizontalPodAutoscaler', '-edge').spec.metrics.map((m) => m.resource?.name ?? m.pods?.metric.name);

type Deployment = { spec: { replicas?: number; template: { spec: { terminationGracePeriodSeconds: number; containers: { lifecycle: { preStop: { exec: { command: string[] } } } }[] } } } };

describe('deploy/helm/chainfan', () => {
  let tools: KubeTools;
  let vars: RoleVariables;
  let defaults: KubeObject[];
  let ha: KubeObject[];
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { edge: { preStopDelaySeconds: number; drainTimeoutMs: number; terminationMarginSeconds: number } };

  beforeAll(() => {
    tools = kubeTools();
    vars = { edge: roleVariables('edge'), ingestor: roleVariables('ingestor') };
    defaults = helmTemplate(tools, CHART);
    ha = helmTemplate(tools, CHART, ['-f', HA_VALUES]);
  });

  it('passes helm lint --strict with default and HA values', () => {
    for (const extra of [[], ['-f', HA_VALUES]]) {
      const r = run(tools.helm, ['lint', CHART, '--strict', ...extra]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('0 chart(s) failed');
    }
  });

  it('rejects bad values through values.schema.json', () => {
    for (const [set, expected] of [
      ['edge.replicas=0', '/edge/replicas'],
      ['logLevel=loud', '/logLevel'],
      ['image.edge.tag=latest', '/image/edge/tag'],
      ['edge.extraEnv.EDGE_PORT=1', 'EDGE_PORT'],
      ['redis.enabled=false', '/externalRedis/url'],
      ['edge.drainTimeoutMs=-1', '/edge/drainTimeoutMs'],
      // keys the chart sets itself: a duplicate would break kustomize and the grace period's derivation
      ['edge.extraEnv.CHAINFAN_EDGE_DRAIN_TIMEOUT_MS=60000', 'CHAINFAN_EDGE_DRAIN_TIMEOUT_MS'],
      ['edge.extraEnv.CHAINFAN_EDGE_TRUST_FORWARDED_FOR=true', 'CHAINFAN_EDGE_TRUST_FORWARDED_FOR'],
      ['ingestor.extraEnv.CHAINFAN_REDIS_URL=redis://r:6379', 'CHAINFAN_REDIS_URL'],
      ['ingestor.extraEnv.CHAINFAN_INGESTOR_STATE_FILE=/tmp/s.json', 'CHAINFAN_INGESTOR_STATE_FILE'],
      ['ingestor.state.mountPath=/tmp', '/ingestor/state/mountPath'],
      // secrets never go into a ConfigMap
      ['edge.extraEnv.CHAINFAN_EDGE_JWT_HS256_SECRET=s', 'CHAINFAN_EDGE_JWT_HS256_SECRET'],
      ['edge.extraEnv.CHAINFAN_EDGE_API_KEYS=k', 'CHAINFAN_EDGE_API_KEYS'],
      ['edge.extraEnv.CHAINFAN_EDGE_ADMIN_API_KEYS=k', 'CHAINFAN_EDGE_ADMIN_API_KEYS'],
      ['edge.extraEnv.CHAINFAN_RPC_URL=http://u:p@node:8819', 'CHAINFAN_RPC_URL'],
      ['ingestor.extraEnv.CHAINFAN_RPC_PASSWORD=p', 'CHAINFAN_RPC_PASSWORD'],
      // a PDB that allows no eviction blocks every drain
      ['ingestor.pdb.maxUnavailable=0', '/ingestor/pdb/maxUnavailable'],
      ['edge.pdb.maxUnavailable=0', '/edge/pdb/maxUnavailable'],
      ['redis.enabled=false,externalRedis.mode=sentinel', '/externalRedis/sentinels'],
      ['redis.enabled=false,externalRedis.mode=cluster', '/externalRedis/clusterNodes'],
      ['gateway.enabled=true', '/gateway/parentRefs'],
    ] as const) {
      const r = run(tools.helm, ['lint', CHART, '--set', set]);
      expect(r.code, set).not.toBe(0);
      expect(r.stdout + r.stderr, set).toContain(expected);
    }
  });

  it('renders the default install: edges, two ingestors, bundled Redis with a password, ConfigMaps, Secrets, PDBs, NetworkPolicies', () => {
    expect(defaults.map((o) => o.kind).sort()).toEqual([
      'ConfigMap', 'ConfigMap', 'Deployment', 'Deployment', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy',
      'PodDisruptionBudget', 'PodDisruptionBudget', 'PodDisruptionBudget', 'Secret', 'Secret', 'Service', 'Service', 'Service', 'ServiceAccount', 'StatefulSet',
    ]);
    expect(checkWiring(defaults, vars)).toEqual([]);
    expect(findObject<Deployment>(defaults, 'Deployment', '-ingestor').spec.replicas).toBe(2);
    expect(findObject<Deployment>(defaults, 'Deployment', '-edge').spec.replicas).toBe(3);
    // a generated password, the same in what Redis requires and what chainfan connects with
    const password = configData(findObject(defaults, 'Secret', '-redis'))['redis-password']!;
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(configData(findObject(defaults, 'Secret', '-secrets'))['CHAINFAN_REDIS_URL']).toBe(`redis://:${password}@chainfan-redis:6379`);
    const redis = JSON.stringify(findObject(defaults, 'StatefulSet', '-redis'));
    expect(redis).toContain('"--requirepass","$(REDISCLI_AUTH)"');
    expect(redis).toContain('"secretKeyRef":{"name":"chainfan-redis","key":"redis-password"}');
    expect(redis).toContain('redis:7.4.8-bookworm');
    // the history streams' length for the Redis dashboard: the bus's keys are {cf:<channel>}:h (as compose ships it)
    expect(redis).toContain('"--check-streams={cf:*}:h"');
    findObject(defaults, 'Service', '-redis');
  });

  it('sets the edge grace period to preStop + drain deadline + margin, and the drain deadline in the edge config', () => {
    for (const [objs, extra] of [[defaults, {}], [ha, parse(readFileSync(HA_VALUES, 'utf8')) as { edge: Partial<typeof values.edge> }]] as const) {
      const e = { ...values.edge, ...('edge' in extra ? extra.edge : {}) };
      const edge = findObject<Deployment>(objs, 'Deployment', '-edge');
      const pod = edge.spec.template.spec;
      expect(pod.containers[0]!.lifecycle.preStop.exec.command).toEqual(['sleep', String(e.preStopDelaySeconds)]);
      expect(pod.terminationGracePeriodSeconds).toBe(e.preStopDelaySeconds + Math.ceil(e.drainTimeoutMs / 1000) + e.terminationMarginSeconds);
      expect(configData(findObject(objs, 'ConfigMap', '-edge'))['CHAINFAN_EDGE_DRAIN_TIMEOUT_MS']).toBe(String(e.drainTimeoutMs));
    }
  });

  it('renders the HA install: HPA on CPU (scales down on any cluster), Ingress for WebSockets, ServiceMonitors, the alert rules', () => {
    expect(checkWiring(ha, vars)).toEqual([]);
    expect(hpaMetrics(ha)).toEqual(['cpu']);
    // the HPA owns the replica count
    expect(findObject<Deployment>(ha, 'Deployment', '-edge').spec.replicas).toBeUndefined();
    expect(findObject<Deployment>(ha, 'Deployment', '-ingestor').spec.replicas).toBe(2);

    const ingress = findObject(ha, 'Ingress', 'chainfan');
    const ann = ingress.metadata.annotations!;
    expect(Number(ann['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThan(120);
    expect(ann['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');

    const jobs = ha.filter((o) => o.kind === 'ServiceMonitor').map((o) => (o['spec'] as { endpoints: { relabelings: { targetLabel: string; replacement: string }[] }[] }).endpoints[0]!.relabelings.find((r) => r.targetLabel === 'job')!.replacement);
    expect(jobs.sort()).toEqual(['chainfan-edge', 'chainfan-ingestor', 'redis']);

    const rule = findObject<{ spec: unknown }>(ha, 'PrometheusRule', 'chainfan');
    expect(rule.spec).toEqual(parse(readFileSync(ALERTS, 'utf8')));
    expect(readFileSync(join(CHART, 'files/alerts.yaml'), 'utf8')).toBe(readFileSync(ALERTS, 'utf8'));
  });

  it('keeps the ingestor state file on an emptyDir by default, on a PersistentVolumeClaim per replica when asked', () => {
    type Pod = { spec: { volumeClaimTemplates?: { metadata: { name: string }; spec: { resources: { requests: { storage: string } }; storageClassName?: string } }[]; template: { spec: { volumes: { name: string; emptyDir?: { sizeLimit: string } }[] } } } };
    expect(configData(findObject(defaults, 'ConfigMap', '-ingestor'))['CHAINFAN_INGESTOR_STATE_FILE']).toBe('/var/lib/chainfan/ingestor-state.json');
    const dep = findObject<Pod>(defaults, 'Deployment', '-ingestor');
    expect(dep.spec.template.spec.volumes.find((v) => v.name === 'state')?.emptyDir).toEqual({ sizeLimit: '16Mi' });

    const objs = helmTemplate(tools, CHART, ['--set', 'ingestor.state.persistence.enabled=true', '--set', 'ingestor.state.persistence.storageClassName=fast']);
    expect(objs.some((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-ingestor'))).toBe(false);
    const sts = findObject<Pod>(objs, 'StatefulSet', '-ingestor');
    expect(sts.spec.volumeClaimTemplates?.map((t) => [t.metadata.name, t.spec.resources.requests.storage, t.spec.storageClassName])).toEqual([['state', '64Mi', 'fast']]);
    expect(sts.spec.template.spec.volumes.some((v) => v.name === 'state')).toBe(false);
    expect(checkWiring(objs, vars)).toEqual([]);
  });

  it('uses an external Redis instead of the bundled one', () => {
    const objs = helmTemplate(tools, CHART, ['--set', 'redis.enabled=false', '--set', 'externalRedis.url=rediss://user:pw@redis.example.com:6380']);
    expect(objs.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    expect(configData(findObject(objs, 'Secret', '-secrets'))['CHAINFAN_REDIS_URL']).toBe('rediss://user:pw@redis.example.com:6380');
    expect(checkWiring(objs, vars)).toEqual([]);
  });

  it('uses an existing Secret instead of rendering one', () => {
    const objs = helmTemplate(tools, CHART, ['--set', 'existingSecret=my-chainfan']);
    expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(JSON.stringify(findObject(objs, 'Deployment', '-edge'))).toContain('"secretKeyRef":{"name":"my-chainfan","key":"CHAINFAN_REDIS_URL"}');
    expect(JSON.stringify(findObject(objs, 'Deployment', '-ingestor'))).toContain('"secretRef":{"name":"my-chainfan"}');
  });

  it('prints NOTES.txt with the drain settings and how to connect', () => {
    const r = run(tools.helm, ['install', 'chainfan', CHART, '--dry-run=client', '--namespace', 'chainfan', '-f', HA_VALUES]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('wss://ws.example.com/');
    expect(r.stdout).toContain('terminationGracePeriodSeconds 60');
    expect(r.stdout).toContain('HPA: CPU 65%)');
    expect(r.stdout).not.toContain('custom-metrics adapter');
    expect(r.stdout).toContain('client IPs from X-Forwarded-For');
    const withConnections = run(tools.helm, ['install', 'chainfan', CHART, '--dry-run=client', '--namespace', 'chainfan', '-f', HA_VALUES, '--set', 'edge.autoscaling.connectionsPerPod=10000']);
    expect(withConnections.stdout).toContain('10000 connections per pod');
    expect(withConnections.stdout).toContain('does NOT scale down');
  });
});

describe('deploy/k8s (kustomize)', () => {
  let tools: KubeTools;
  let vars: RoleVariables;

  beforeAll(() => {
    tools = kubeTools();
    vars = { edge: roleVariables('edge'), ingestor: roleVariables('ingestor') };
  });

  it('builds the base: the same objects as the chart defaults, wired', () => {
    const base = kustomizeBuild(tools, join(ROOT, 'deploy/k8s/base'));
    expect(checkWiring(base, vars)).toEqual([]);
    const chart = helmTemplate(tools, CHART);
    expect(base.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort()).toEqual(chart.map((o) => `${o.kind}/${o.metadata.name}`).sort());
  });

  it('builds the production overlay: namespace, pinned images, HPA, Ingress, monitoring, longer drain with a matching grace period', () => {
    const prod = kustomizeBuild(tools, join(ROOT, 'deploy/k8s/overlays/production'));
    expect(checkWiring(prod, vars)).toEqual([]);
    for (const o of prod.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('chainfan');
    const kinds = new Set(prod.map((o) => o.kind));
    for (const k of ['HorizontalPodAutoscaler', 'Ingress', 'ServiceMonitor', 'PrometheusRule', 'PodDisruptionBudget', 'StatefulSet']) expect(kinds.has(k), k).toBe(true);
    const edge = findObject<Deployment>(prod, 'Deployment', 'chainfan-edge');
    expect(edge.spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    expect(configData(prod.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('chainfan-edge-'))!)['CHAINFAN_EDGE_DRAIN_TIMEOUT_MS']).toBe('45000');
    expect(JSON.stringify(edge)).toContain('registry.example.com/chainfan/edge:0.1.0');
    expect(findObject<{ spec: unknown }>(prod, 'PrometheusRule', 'chainfan').spec).toEqual(parse(readFileSync(ALERTS, 'utf8')));
  });
});
