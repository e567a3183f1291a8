// Validates rendered Kubernetes objects offline against the Kubernetes OpenAPI schemas, as compiled to ajv
// validators by the `kubernetes-models` package (core and apps APIs) and `@kubernetes-models/prometheus-operator`
// (ServiceMonitor, PrometheusRule CRDs) and `@kubernetes-models/gateway-api` (HTTPRoute). The tests need all three:
//   test/package.json lists them; `npm run test:tools` (run by `npm test`) installs them
// The schemas check types, formats, enums and required fields; like the API server's own OpenAPI, they do not
// reject unknown fields.
import type { KubeObject } from './kube-tools.js';

interface ModelClass {
  new (data: unknown): { validate(): void };
}

const INSTALL_HINT = 'npm run test:tools';

/** The model module of an apiVersion/kind, e.g. apps/v1 Deployment → kubernetes-models/apps/v1/Deployment. */
export function modelSpecifier(apiVersion: string, kind: string): string {
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  if (apiVersion.startsWith('gateway.networking.k8s.io/')) return `@kubernetes-models/gateway-api/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function loadModel(apiVersion: string, kind: string): Promise<ModelClass> {
  const spec = modelSpecifier(apiVersion, kind);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(/* @vite-ignore */ spec)) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`no schema for ${apiVersion} ${kind} (${spec}); if the package is missing: ${INSTALL_HINT}`, { cause: err });
  }
  const model = mod[kind];
  if (typeof model !== 'function') throw new Error(`${spec} exports no ${kind}`);
  return model as ModelClass;
}

/** Schema violations of one object, as `Kind/name: message`; [] when it is valid. */
export async function schemaProblems(o: KubeObject): Promise<string[]> {
  const Model = await loadModel(o.apiVersion, o.kind);
  try {
    new Model(o).validate();
    return [];
  } catch (err) {
    return [`${o.kind}/${o.metadata.name}: ${err instanceof Error ? err.message : String(err)}`];
  }
}
