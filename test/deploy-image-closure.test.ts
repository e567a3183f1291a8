// What the production images install: the dependency closure each Dockerfile copies (deploy/docker/closure.mjs,
// computed from package-lock.json as npm resolved it) holds the runtime dependencies of the CLI that runs the
// servers and nothing of the test kit, the toolchain or the browser app; what it leaves out is never loaded by
// the server code; the images run built JavaScript on Node 24 LTS.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageName, productionClosure } from '../deploy/docker/closure.mjs';
import { execForm, parseDockerfile } from './helpers/dockerfile.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROLES = ['edge', 'ingestor', 'sim'] as const;

type Lock = { packages: Record<string, { name?: string; dev?: boolean; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string> }> };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lock;

/** Test, build and dev tooling that must never reach a production image. */
const FORBIDDEN = [
  /^testcontainers$/, /^@testcontainers\//, /^dockerode$/, /^docker-modem$/, /^docker-compose$/, /^ssh2$/, /^@grpc\//, /^protobufjs$/, /^cpu-features$/,
  /^react$/, /^react-dom$/, /^@chainfan\/react$/, /^@chainfan\/testkit$/, /^@chainfan\/loadgen$/, /^vitest$/, /^@vitest\//, /^vite$/, /^typescript$/, /^tsx$/,
  /^esbuild$/, /^@esbuild\//, /^eslint/, /^@types\//, /^jsdom$/, /^playwright/, /^socket\.io/, /^@socket\.io\//, /^@aws-cdk\//, /^kubernetes-models$/, /^@kubernetes-models\//, /^fast-check$/, /^turbo/,
];

interface ClosureCall {
  readonly apps: string[];
  readonly exclude: string[];
  readonly platform: string;
}

/** The closure.mjs invocation of a Dockerfile's build stage. */
function closureCall(role: string): ClosureCall {
  const text = readFileSync(join(ROOT, 'deploy/docker', `${role}.Dockerfile`), 'utf8');
  const run = parseDockerfile(text).stages.flatMap((s) => s.instructions).find((i) => i.keyword === 'RUN' && i.args.includes('closure.mjs'));
  if (run === undefined) throw new Error(`${role}.Dockerfile runs no closure.mjs`);
  const flag = (f: string) => new RegExp(`${f} (\\S+)`).exec(run.args)?.[1];
  return { apps: flag('--app')!.split(','), exclude: (flag('--exclude') ?? '').split(',').filter(Boolean), platform: flag('--platform')! };
}

const names = (locations: readonly string[]) => locations.map((l) => packageName(lock, l));

/** Relative-import graph of a package's sources from an entry file; returns each file's text. */
function sourceGraph(entry: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    const text = readFileSync(file, 'utf8');
    files.set(file, text);
    for (const m of text.matchAll(/^(?:import|export)(?!\s+type\b)[^'"]*from\s+'(\.[^']+)'/gm)) visit(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
  };
  visit(entry);
  return files;
}

describe('production image dependency closure', () => {
  for (const role of ROLES) {
    it(`${role}: the closure the image copies holds the servers' runtime dependencies and no test, build or browser package`, () => {
      const call = closureCall(role);
      expect(call.apps).toEqual(['@chainfan/cli']);
      expect(call.platform).toBe('linux-x64');
      const got = names(productionClosure(lock, call.apps, { exclude: call.exclude, platform: call.platform }));
      expect(got.filter((n) => FORBIDDEN.some((re) => re.test(n)))).toEqual([]);
      for (const needed of ['ioredis', 'uWebSockets.js', 'zeromq', 'pino', 'prom-client', 'ws', '@chainfan/edge', '@chainfan/ingestor', '@chainfan/node-sim', '@chainfan/bus', '@chainfan/telemetry', '@chainfan/protocol']) {
        expect(got, needed).toContain(needed);
      }
      // small: a few dozen packages (the repository's whole non-dev install is several hundred)
      expect(got.length).toBeLessThan(60);
    });
  }

  it('would catch test packages: the naive `npm ci --omit=dev` set and the load generator\'s closure hold them', () => {
    const naive = Object.entries(lock.packages).filter(([l, e]) => l.startsWith('node_modules/') && e.dev !== true).map(([l]) => packageName(lock, l));
    expect(naive).toEqual(expect.arrayContaining(['testcontainers', 'dockerode', 'ssh2']));
    const loadgen = names(productionClosure(lock, ['@chainfan/loadgen']));
    expect(loadgen.filter((n) => FORBIDDEN.some((re) => re.test(n)))).toEqual(expect.arrayContaining(['testcontainers', 'dockerode', '@chainfan/testkit']));
  });

  it('leaves out only what the server code never loads', () => {
    const call = closureCall('edge');
    const kept = productionClosure(lock, call.apps, { exclude: call.exclude, platform: call.platform });
    const declares = (location: string, name: string) => {
      const e = lock.packages[location]!;
      return [e.dependencies, e.optionalDependencies, e.peerDependencies].some((d) => d !== undefined && Object.hasOwn(d, name));
    };
    // who in the image may declare an excluded package: only the CLI (tsx: the source loader) and the dashboard
    // (react, react-dom, @chainfan/react: bundled into its static files at build time), or nobody
    const parents = new Set(kept.filter((l) => call.exclude.some((x) => declares(l, x))));
    for (const p of parents) expect(['packages/cli', 'packages/dashboard']).toContain(p);
    // and neither one's runtime code (from its Node entry, following relative imports) imports them
    const graphs = [sourceGraph(join(ROOT, 'packages/cli/src/main.ts')), sourceGraph(join(ROOT, 'packages/dashboard/src/index.ts'))];
    for (const graph of graphs) {
      expect(graph.size).toBeGreaterThan(1);
      for (const [file, text] of graph) {
        for (const x of call.exclude) {
          const imports = new RegExp(`^(?:import|export)(?!\\s+type\\b)[^'"]*from\\s+'${x.replace(/[./]/g, '\\$&')}(/[^']*)?'|import\\('${x.replace(/[./]/g, '\\$&')}(/[^']*)?'\\)`, 'm');
          expect(imports.test(text), `${file} imports ${x}`).toBe(false);
        }
      }
    }
  });

  for (const role of ROLES) {
    it(`${role}: built JavaScript on Node 24 LTS, copied closure only, no npm or toolchain at runtime`, () => {
      const text = readFileSync(join(ROOT, 'deploy/docker', `${role}.Dockerfile`), 'utf8');
      const { stages } = parseDockerfile(text);
      for (const s of stages) expect(s.from).toMatch(/^node:24\.\d+\.\d+-trixie-slim$/);
      const build = stages[0]!;
      const runtime = stages.at(-1)!;
      expect(build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' ')).toMatch(/npm ci --no-audit --no-fund && npm run build/);
      // the runtime stage copies the closure directory and nothing from the build context
      const copies = runtime.instructions.filter((i) => i.keyword === 'COPY');
      expect(copies.map((c) => c.args)).toEqual(['--from=build /app ./']);
      expect(runtime.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' ')).toMatch(/rm -rf \/usr\/local\/lib\/node_modules\/npm/);
      const entry = execForm(runtime.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1)!.args)!;
      expect(entry.slice(-2)).toEqual(['packages/cli/dist/main.js', role]);
      expect(entry).not.toContain('tsx');
      // the build stage strips every other platform's native binaries
      const runs = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
      expect(runs).toMatch(/uws_linux_\$\(node -p process\.arch\)_\$\(node -p process\.versions\.modules\)\.node/);
      expect(runs).toMatch(/zeromq\/build -mindepth 1 -maxdepth 1 -type d ! -name linux -exec rm -rf/);
      expect(runs).toMatch(/-name 'musl-\*' -prune -exec rm -rf/);
      expect(text).toMatch(/Expected size: about \d+ MB/);
    });
  }

  it('packages/cli/dist/main.js is what the build emits for the CLI entry', () => {
    const ts = JSON.parse(readFileSync(join(ROOT, 'packages/cli/tsconfig.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(ts.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    readFileSync(join(ROOT, 'packages/cli/src/main.ts'));
    const build = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['build'];
    expect(build).toBeDefined();
  });
});
