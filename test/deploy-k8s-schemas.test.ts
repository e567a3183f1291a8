// Every object the Helm chart renders (default, HA, external Redis in its three modes, Gateway API, the packaged
// .tgz) and the kustomize builds produce (base and
// production overlay) is valid against the Kubernetes OpenAPI schemas (and the prometheus-operator CRD schemas),
// checked offline (helpers/kube-schema.ts). Also proves the validator rejects broken objects, so a pass means something.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaProblems } from './helpers/kube-schema.js';
import { helmTemplate, type KubeObject, type KubeTools, kubeTools, kustomizeBuild, run } from './helpers/kube-tools.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHART = join(ROOT, 'deploy/helm/chainfan');

async function allProblems(objs: readonly KubeObject[]): Promise<string[]> {
  return (await Promise.all(objs.map((o) => schemaProblems(o)))).flat();
}

describe('Kubernetes schema validation of deploy/helm and deploy/k8s', () => {
  let tools: KubeTools;

  beforeAll(() => {
    tools = kubeTools();
  });

  const renders: [string, () => KubeObject[]][] = [
    ['helm template (default values)', () => helmTemplate(tools, CHART)],
    ['helm template -f values-ha.yaml', () => helmTemplate(tools, CHART, ['-f', join(CHART, 'values-ha.yaml')])],
    ['helm template (external Redis, ServiceMonitor on)', () => helmTemplate(tools, CHART, ['--set', 'redis.enabled=false', '--set', 'externalRedis.url=redis://r:6379', '--set', 'metrics.serviceMonitor.enabled=true'])],
    ['helm template (bundled Redis with persistence)', () => helmTemplate(tools, CHART, ['--set', 'redis.persistence.enabled=true', '--set', 'redis.metrics.enabled=false'])],
    ['helm template (ingestor state on PersistentVolumeClaims)', () => helmTemplate(tools, CHART, ['--set', 'ingestor.state.persistence.enabled=true'])],
    ['helm template (Gateway API HTTPRoute, secrets, JWT key file, autoscaling on connections)', () => helmTemplate(tools, CHART, [
      '--set', 'gateway.enabled=true', '--set', 'gateway.parentRefs[0].name=public', '--set', 'gateway.requestTimeout=0s',
      '--set', 'edge.secretEnv.CHAINFAN_EDGE_API_KEYS=k', '--set', 'edge.jwtPublicKey.existingSecret=keys',
      '--set', 'edge.autoscaling.enabled=true', '--set', 'edge.autoscaling.connectionsPerPod=5000',
    ])],
    ['helm template (external Sentinel, TLS CA)', () => helmTemplate(tools, CHART, ['--set', 'redis.enabled=false', '--set', 'externalRedis.mode=sentinel', '--set', 'externalRedis.sentinels={s1:26379}', '--set', 'externalRedis.password=p', '--set', 'externalRedis.tls.caSecret=ca'])],
    ['helm template (external Cluster, existing Secret)', () => helmTemplate(tools, CHART, ['--set', 'redis.enabled=false', '--set', 'externalRedis.mode=cluster', '--set', 'externalRedis.clusterNodes={c1:6379}', '--set', 'existingSecret=creds'])],
    ['helm package, then helm template of the .tgz (HA values)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'chainfan-chart-'));
      try {
        const r = run(tools.helm, ['package', CHART, '--destination', dir]);
        if (r.code !== 0) throw new Error(r.stderr);
        const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
        return helmTemplate(tools, join(dir, tgz), ['-f', join(CHART, 'values-ha.yaml')]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }],
    ['kubectl kustomize deploy/k8s/base', () => kustomizeBuild(tools, join(ROOT, 'deploy/k8s/base'))],
    ['kubectl kustomize deploy/k8s/overlays/production', () => kustomizeBuild(tools, join(ROOT, 'deploy/k8s/overlays/production'))],
  ];

  for (const [name, render] of renders) {
    it(`${name}: every object is valid`, async () => {
      const objs = render();
      expect(objs.length).toBeGreaterThan(5);
      expect(await allProblems(objs)).toEqual([]);
    });
  }

  it('the validator rejects what the API server would (wrong types, missing required fields, bad enums)', async () => {
    const edge = helmTemplate(tools, CHART).find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-edge'))!;
    const broken = structuredClone(edge) as KubeObject & { spec: { replicas: unknown; template: { spec: { containers: Record<string, unknown>[] } } } };
    broken.spec.replicas = 'three';
    delete broken.spec.template.spec.containers[0]!['name'];
    (broken.spec.template.spec.containers[0]!['ports'] as { protocol: string }[])[0]!.protocol = 'QUIC';
    const problems = (await schemaProblems(broken)).join('\n');
    expect(problems).toContain('replicas');
    expect(problems).toContain('required property name');
    expect(problems).toContain('protocol');
  });
});
