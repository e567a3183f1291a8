// The published packages as a user gets them: build, `npm pack` every public package, install the tarballs into a
// scratch project outside this repository, and use them there with nothing but Node, tsc, Vite and the `chainfan`
// binary — the built JavaScript only, no TypeScript loader and no workspace links.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis, waitFor } from '@chainfan/testkit';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** What a user installs: the SDK, the React hook, the CLI — and the packages they depend on, as npm would fetch them. */
const PUBLIC = ['protocol', 'chain', 'bus', 'telemetry', 'ingestor', 'edge', 'node-sim', 'client', 'dashboard', 'react', 'cli'];

/** Consumer tooling, at the versions this repository already uses (so npm's cache answers). */
function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

function run(cmd: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 540_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A long-running `chainfan` role started from the installed package; collects its JSON log lines. */
class Installed {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  readonly stderr: string[] = [];
  constructor(dir: string, args: readonly string[], env: Record<string, string>) {
    this.child = spawn(join(dir, 'node_modules', '.bin', 'chainfan'), args, {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: '', CHAINFAN_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (l) => {
      try {
        this.lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        this.lines.push({ text: l });
      }
    });
    createInterface({ input: this.child.stderr! }).on('line', (l) => this.stderr.push(l));
  }
  async event(name: string): Promise<Record<string, unknown>> {
    await waitFor(() => this.lines.some((l) => l['event'] === name) || this.child.exitCode !== null, {
      timeoutMs: 60_000,
      message: `no ${name} line:\n${JSON.stringify(this.lines.slice(-5))}\n${this.stderr.join('\n')}`,
    });
    const line = this.lines.find((l) => l['event'] === name);
    if (line === undefined) throw new Error(`exited ${this.child.exitCode} before ${name}:\n${this.stderr.join('\n')}`);
    return line;
  }
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)));
    this.child.kill('SIGTERM');
    return exited;
  }
}

describe('packed packages installed outside the repository', () => {
  let scratch: string;
  let dev: Installed;
  let wsUrl: string;

  beforeAll(async () => {
    run(NPM, ['run', 'build', '--', '--output-logs=errors-only'], ROOT);
    scratch = mkdtempSync(join(tmpdir(), 'chainfan-consumer-'));
    const packs = join(scratch, 'packs');
    mkdirSync(packs);
    run(NPM, ['pack', '--pack-destination', packs, ...PUBLIC.flatMap((p) => ['-w', `@chainfan/${p}`])], ROOT);
    const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toHaveLength(PUBLIC.length);

    const app = join(scratch, 'app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const tools = ['typescript', 'vite', 'react', 'react-dom', '@types/react', '@types/react-dom', '@types/node'].map((n) => `${n}@${installedVersion(n)}`);
    run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map((t) => join(packs, t)), ...tools], app);

    dev = new Installed(app, ['dev', '--edge-port', '0', '--edge-ops-port', '0', '--ingestor-ops-port', '0', '--sim-block-interval-ms', '300'], {});
    wsUrl = (await dev.event('dev.ready'))['wsUrl'] as string;
  }, 600_000);

  afterAll(async () => {
    await dev?.stop();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  const app = (): string => join(scratch, 'app');

  it('installs only the built JavaScript and declarations of the public packages', () => {
    const client = join(app(), 'node_modules', '@chainfan', 'client');
    const files = readdirSync(join(client, 'dist'));
    expect(files).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'node.js', 'node.d.ts']));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.includes('.test.'))).toEqual([]);
    expect(readdirSync(client)).not.toContain('src');
    // no test or deploy tooling comes along with the CLI
    const installed = readdirSync(join(app(), 'node_modules'));
    for (const heavy of ['vitest', 'tsx', 'socket.io', 'kubernetes-models', 'playwright-core', 'turbo']) expect(installed).not.toContain(heavy);
  });

  it('plain node uses the SDK against the running edge', () => {
    writeFileSync(join(app(), 'sdk.mjs'), [
      "import { ChainfanClient } from '@chainfan/client/node';",
      'const client = new ChainfanClient({ url: process.argv[2] });',
      "void client.subscribe('blocks');",
      'for await (const msg of client) {',
      "  if (msg.type !== 'block') continue;",
      '  console.log(JSON.stringify({ height: msg.data.height, hash: msg.data.hash }));',
      '  break;',
      '}',
      'await client.close();',
    ].join('\n'));
    const out = run(process.execPath, ['sdk.mjs', wsUrl], app(), { NODE_OPTIONS: '' });
    const block = JSON.parse(out.trim()) as { height: number; hash: string };
    expect(block.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isInteger(block.height)).toBe(true);
  });

  it('a TypeScript consumer type-checks against the shipped declarations', () => {
    writeFileSync(join(app(), 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, jsx: 'react-jsx', types: ['node'], skipLibCheck: false },
      include: ['src/**/*.ts', 'src/**/*.tsx'],
    }));
    writeFileSync(join(app(), 'src', 'check.ts'), [
      "import { ChainfanClient, type ChainfanMessage } from '@chainfan/client/node';",
      "const client = new ChainfanClient({ url: 'ws://127.0.0.1:8765' });",
      "client.on('open', () => undefined);",
      'export async function firstHeight(): Promise<number> {',
      "  await client.subscribe('blocks');",
      '  for await (const msg of client) if (msg.type === \'block\') return msg.data.height;',
      "  throw new Error('closed');",
      '}',
      'export const kinds = (m: ChainfanMessage): string => m.type;',
    ].join('\n'));
    const tsc = join(app(), 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], app());
    // and a deliberate type error is caught (the declarations are really there, not `any`)
    writeFileSync(join(app(), 'src', 'wrong.ts'), "import { ChainfanClient } from '@chainfan/client/node';\nexport const c = new ChainfanClient({ url: 42 });\n");
    expect(() => run(process.execPath, [tsc, '-p', 'tsconfig.json', '--skipLibCheck'], app())).toThrow(/wrong\.ts.*TS2322/s);
    rmSync(join(app(), 'src', 'wrong.ts'));
  }, 600_000); // two full type-checks of React's and Node's declarations: minutes on a loaded 2-core machine

  it('Vite builds a React consumer of the hook', () => {
    const web = join(app(), 'web');
    mkdirSync(web);
    writeFileSync(join(web, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="./main.tsx"></script>\n');
    writeFileSync(join(web, 'main.tsx'), [
      "import { createRoot } from 'react-dom/client';",
      "import { ChainfanProvider, useChainfan } from '@chainfan/react';",
      'function Tip() {',
      "  const { data } = useChainfan('blocks');",
      "  return <p>tip {data?.height ?? '…'}</p>;",
      '}',
      "createRoot(document.getElementById('root')!).render(<ChainfanProvider url=\"ws://chainfan.example:8765\"><Tip /></ChainfanProvider>);",
    ].join('\n'));
    writeFileSync(join(web, 'vite.config.mjs'), "export default { oxc: { jsx: { runtime: 'automatic' } }, logLevel: 'warn' };\n");
    // NODE_ENV: the test runner sets `test`, and Vite would then bundle React's development build
    run(process.execPath, [join(app(), 'node_modules', 'vite', 'bin', 'vite.js'), 'build', web], app(), { NODE_ENV: 'production' });
    const assets = join(web, 'dist', 'assets');
    const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
    expect(js).toHaveLength(1);
    const bundle = readFileSync(join(assets, js[0]!), 'utf8');
    // (booleans, not toContain: a failure must not print a 200 kB bundle)
    expect(bundle.includes('ws://chainfan.example:8765')).toBe(true);
    expect(/[`'"]subscribe[`'"]/.test(bundle)).toBe(true); // the SDK's wire protocol made it into the browser bundle
    expect(bundle.includes('jsxDEV')).toBe(false);
  });

  it('`npx chainfan tail --json blocks | head -1` prints one block', () => {
    const out = execFileSync('sh', ['-c', 'npx chainfan tail --json blocks | head -1'], {
      cwd: app(),
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', CHAINFAN_URL: wsUrl },
      timeout: 60_000,
    });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const msg = JSON.parse(lines[0]!) as { type: string; data: { hash: string } };
    expect(msg.type).toBe('block');
    expect(msg.data.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('servers run from the installed JavaScript', () => {
    let redis: RedisHandle;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis?.stop();
    });

    it('`chainfan edge` listens, reports ready, and exits 0 on SIGTERM', async () => {
      const edge = new Installed(app(), ['edge'], {
        CHAINFAN_EDGE_HOST: '127.0.0.1', CHAINFAN_EDGE_PORT: '0', CHAINFAN_EDGE_OPS_PORT: '0', CHAINFAN_OPS_HOST: '127.0.0.1', CHAINFAN_REDIS_URL: redis.url,
      });
      try {
        const listening = await edge.event('edge.listening');
        expect(listening['port']).toEqual(expect.any(Number));
      } finally {
        expect(await edge.stop()).toBe(0);
      }
    });
  });
});
