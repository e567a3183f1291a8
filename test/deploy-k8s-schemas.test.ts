// Every object the Helm chart renders (default, HA, external Redis) and the kustomize builds produce (base and
// production overlay) is valid against the Kubernetes OpenAPI schemas (and the prometheus-operator CRD schemas),
// checked offline (helpers/kube-schema.ts). Also proves the validator rejects broken objects, so a pass means something.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaProblems } from './helpers/kube-schema.js';
import { helmTemplate, type KubeObject, type KubeTools, kubeTools, kustomizeBuild } from './helpers/kube-tools.js';

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
