// Evaluates Kubernetes NetworkPolicy ingress rules the way the API defines them, for tests: a pod selected by any
// policy with policyType Ingress admits a peer on a port only if some rule of some selecting policy allows both.
// Covers podSelector/namespaceSelector (matchLabels, matchExpressions In/NotIn/Exists/DoesNotExist) and named or
// numbered ports; ipBlock peers are out of scope (chainfan's policies use none).
import type { KubeObject } from './kube-tools.js';

export interface PeerPod {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** labels of the peer's namespace; kubernetes.io/metadata.name is always added */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

interface Policy {
  metadata: { namespace?: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: { from?: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: unknown }[]; ports?: { port?: string | number; protocol?: string }[] }[];
  };
}

interface Target extends KubeObject {
  spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: { ports?: { name?: string; containerPort: number }[] }[] } } };
}

export function selects(sel: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (sel === undefined) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok = e.operator === 'In' ? has && (e.values ?? []).includes(labels[e.key]!)
      : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(labels[e.key]!)
        : e.operator === 'Exists' ? has : !has;
    if (!ok) return false;
  }
  return true;
}

/** Whether `peer` may connect to the named container port of `target` (a workload in namespace `ns`). */
export function admits(objs: readonly KubeObject[], target: KubeObject, portName: string, peer: PeerPod, ns = 'chainfan'): boolean {
  const t = target as Target;
  const podLabels = t.spec.template.metadata.labels;
  const portNumber = t.spec.template.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === portName)?.containerPort;
  if (portNumber === undefined) throw new Error(`${target.metadata.name} has no port ${portName}`);
  const policies = (objs.filter((o) => o.kind === 'NetworkPolicy') as unknown as Policy[])
    .filter((p) => (p.metadata.namespace ?? ns) === ns && selects(p.spec.podSelector, podLabels) && (p.spec.policyTypes ?? ['Ingress']).includes('Ingress'));
  if (policies.length === 0) return true; // not isolated
  const peerNsLabels = { ...peer.namespaceLabels, 'kubernetes.io/metadata.name': peer.namespace };
  return policies.some((p) => (p.spec.ingress ?? []).some((rule) => {
    const portOk = rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((rp) => rp.port === undefined || rp.port === portName || rp.port === portNumber);
    if (!portOk) return false;
    if (rule.from === undefined || rule.from.length === 0) return true;
    return rule.from.some((f) => {
      if (f.ipBlock !== undefined) return false;
      if (f.namespaceSelector === undefined) return peer.namespace === ns && selects(f.podSelector ?? {}, peer.labels);
      return selects(f.namespaceSelector, peerNsLabels) && selects(f.podSelector, peer.labels);
    });
  }));
}
