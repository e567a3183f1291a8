// Cross-object checks of a rendered chainfan deployment (Helm or kustomize): every reference resolves (selectors,
// config and secret names, named ports, HPA target, Ingress backend, ServiceMonitor endpoints), every CHAINFAN_*
// key is one the role reads, and the edge's grace period covers preStop + drain. Returns problems; [] = wired.
import type { KubeObject } from './kube-tools.js';

interface Container {
  name: string;
  image: string;
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { port: string | number } };
  readinessProbe?: { httpGet?: { port: string | number } };
  startupProbe?: { httpGet?: { port: string | number } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    containers: Container[];
    terminationGracePeriodSeconds?: number;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
    volumes?: { name: string; emptyDir?: unknown; persistentVolumeClaim?: unknown }[];
  };
}

type Workload = KubeObject & {
  spec: { template: PodTemplate; replicas?: number; selector: { matchLabels: Record<string, string> }; volumeClaimTemplates?: { metadata: { name: string } }[] };
};

export interface RoleVariables {
  readonly edge: ReadonlySet<string>;
  readonly ingestor: ReadonlySet<string>;
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

export function workloads(objs: readonly KubeObject[]): Workload[] {
  return objs.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet') as Workload[];
}

/** The CHAINFAN_* data of a ConfigMap or Secret (data is base64, stringData plain). */
export function configData(o: KubeObject): Record<string, string> {
  const data = (o['data'] ?? {}) as Record<string, string>;
  const plain = (o['stringData'] ?? {}) as Record<string, string>;
  const decoded = o.kind === 'Secret' ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])) : data;
  return { ...decoded, ...plain };
}

export function checkWiring(objs: readonly KubeObject[], vars: RoleVariables): string[] {
  const problems: string[] = [];
  const byKind = (k: string) => objs.filter((o) => o.kind === k);
  const named = (k: string, name: string) => objs.find((o) => o.kind === k && o.metadata.name === name);
  const pods = workloads(objs);

  for (const s of byKind('Service')) {
    const spec = s['spec'] as { selector: Record<string, string>; ports: { name: string; targetPort: string | number }[] };
    const targets = pods.filter((w) => matches(spec.selector, w.spec.template.metadata.labels));
    if (targets.length === 0) problems.push(`Service ${s.metadata.name} selects no pods`);
    for (const p of spec.ports) {
      if (typeof p.targetPort === 'string' && !targets.some((w) => w.spec.template.spec.containers.some((c) => c.ports?.some((cp) => cp.name === p.targetPort)))) {
        problems.push(`Service ${s.metadata.name} port ${p.name} targets unknown container port ${p.targetPort}`);
      }
    }
  }
  for (const pdb of byKind('PodDisruptionBudget')) {
    const sel = (pdb['spec'] as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
    if (!pods.some((w) => matches(sel, w.spec.template.metadata.labels))) problems.push(`PDB ${pdb.metadata.name} selects no pods`);
  }
  for (const w of pods) {
    const sel = w.spec.selector.matchLabels;
    if (!matches(sel, w.spec.template.metadata.labels)) problems.push(`${w.kind} ${w.metadata.name}: selector does not match its template`);
  }
  for (const h of byKind('HorizontalPodAutoscaler')) {
    const ref = (h['spec'] as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
    if (named(ref.kind, ref.name) === undefined) problems.push(`HPA ${h.metadata.name} targets missing ${ref.kind} ${ref.name}`);
  }
  for (const ing of byKind('Ingress')) {
    for (const rule of (ing['spec'] as { rules: { http: { paths: { backend: { service: { name: string; port: { name?: string } } } }[] } }[] }).rules) {
      for (const p of rule.http.paths) {
        const svc = named('Service', p.backend.service.name);
        const ports = (svc?.['spec'] as { ports: { name: string }[] } | undefined)?.ports ?? [];
        if (!ports.some((sp) => sp.name === p.backend.service.port.name)) problems.push(`Ingress ${ing.metadata.name} → missing service port ${p.backend.service.name}:${p.backend.service.port.name}`);
      }
    }
  }
  for (const sm of byKind('ServiceMonitor')) {
    const spec = sm['spec'] as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
    const svcs = byKind('Service').filter((s) => matches(spec.selector.matchLabels, s.metadata.labels ?? {}));
    if (svcs.length === 0) problems.push(`ServiceMonitor ${sm.metadata.name} selects no Service`);
    for (const e of spec.endpoints) {
      if (!svcs.some((s) => (s['spec'] as { ports: { name: string }[] }).ports.some((p) => p.name === e.port))) problems.push(`ServiceMonitor ${sm.metadata.name}: no port ${e.port}`);
    }
  }

  for (const w of pods) {
    const component = w.spec.template.metadata.labels['app.kubernetes.io/component'];
    const podSpec = w.spec.template.spec;
    if (podSpec.securityContext?.runAsNonRoot !== true) problems.push(`${w.metadata.name}: runAsNonRoot is not set`);
    for (const c of podSpec.containers) {
      if (!/:[\w.-]+$/.test(c.image) || c.image.endsWith(':latest')) problems.push(`${w.metadata.name}/${c.name}: image ${c.image} is not pinned`);
      if (c.securityContext?.readOnlyRootFilesystem !== true || c.securityContext.allowPrivilegeEscalation !== false) problems.push(`${w.metadata.name}/${c.name}: not read-only / may escalate`);
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
        const port = probe?.httpGet?.port;
        if (typeof port === 'string' && !c.ports?.some((p) => p.name === port)) problems.push(`${w.metadata.name}/${c.name}: probe on unknown port ${port}`);
      }
      const env: Record<string, string> = {};
      for (const ef of c.envFrom ?? []) {
        const ref = ef.configMapRef ?? ef.secretRef;
        const kind = ef.configMapRef ? 'ConfigMap' : 'Secret';
        const o = ref === undefined ? undefined : named(kind, ref.name);
        if (o === undefined) problems.push(`${w.metadata.name}/${c.name}: envFrom ${kind} ${ref?.name} does not exist`);
        else Object.assign(env, configData(o));
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
        if (ref === undefined) {
          env[e.name] = e.value ?? '';
          continue;
        }
        const o = named(e.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap', ref.name);
        const v = o === undefined ? undefined : configData(o)[ref.key];
        if (v === undefined) problems.push(`${w.metadata.name}/${c.name}: ${e.name} refers to missing ${ref.name}/${ref.key}`);
        else env[e.name] = v;
      }
      if (component !== 'edge' && component !== 'ingestor') continue;
      if (!c.volumeMounts?.some((m) => m.mountPath === '/tmp')) problems.push(`${w.metadata.name}: no writable /tmp`);
      for (const k of Object.keys(env)) if (!vars[component].has(k)) problems.push(`${w.metadata.name}: ${k} is not a \`chainfan ${component}\` variable`);
      if (env['CHAINFAN_LOG_LEVEL'] === undefined) problems.push(`${w.metadata.name}: CHAINFAN_LOG_LEVEL not set`);
      // one of the three Redis modes: single (URL), Sentinel (sentinel list), Cluster (seed list)
      if (!['CHAINFAN_REDIS_URL', 'CHAINFAN_REDIS_SENTINELS', 'CHAINFAN_REDIS_CLUSTER_NODES'].some((k) => env[k] !== undefined)) problems.push(`${w.metadata.name}: no Redis connection (CHAINFAN_REDIS_URL, _SENTINELS or _CLUSTER_NODES) set`);
      if (component === 'ingestor') {
        // the state file must be on a writable volume of its own (the root filesystem is read-only)
        const file = env['CHAINFAN_INGESTOR_STATE_FILE'];
        const mount = file === undefined ? undefined : c.volumeMounts?.find((m) => m.mountPath !== '/tmp' && file.startsWith(`${m.mountPath}/`));
        const volume = mount === undefined ? false : podSpec.volumes?.some((v) => v.name === mount.name && (v.emptyDir !== undefined || v.persistentVolumeClaim !== undefined)) || w.spec.volumeClaimTemplates?.some((t) => t.metadata.name === mount.name);
        if (file === undefined) problems.push(`${w.metadata.name}: CHAINFAN_INGESTOR_STATE_FILE not set`);
        else if (!volume) problems.push(`${w.metadata.name}: ${file} is on no volume of its own`);
      }
      if (component === 'edge') {
        const preStop = Number(c.lifecycle?.preStop?.exec?.command.at(-1) ?? 0);
        const drainS = Math.ceil(Number(env['CHAINFAN_EDGE_DRAIN_TIMEOUT_MS'] ?? 25_000) / 1000);
        const grace = podSpec.terminationGracePeriodSeconds ?? 30;
        if (!(preStop > 0)) problems.push(`${w.metadata.name}: no preStop delay`);
        if (grace < preStop + drainS + 1) problems.push(`${w.metadata.name}: terminationGracePeriodSeconds ${grace} < preStop ${preStop} + drain ${drainS} + 1`);
      }
    }
  }
  return problems;
}
