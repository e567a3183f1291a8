// Builds the dashboard bundle with Vite's JS API. `chainfan dev` calls ensureDashboardBuilt() so a fresh clone needs
// no manual build step and an edited source never serves a stale bundle.
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardViteOptions } from './vite-options.js';

// this module runs from src/ (sources) or lib/ (built JavaScript): either way the package root is one level up
const PKG_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Where `npm run build -w @chainfan/dashboard` and ensureDashboardBuilt() put the bundle (gitignored). */
export const DASHBOARD_DIST_DIR = join(PKG_DIR, 'dist');

/** Everything the bundle is made of: this package's sources and the workspace packages it bundles. */
function sourceRoots(): string[] {
  const pkgSrc = (name: string): string => dirname(fileURLToPath(import.meta.resolve(name)));
  return [join(PKG_DIR, 'src'), join(PKG_DIR, 'index.html'), join(PKG_DIR, 'vite.config.ts'), pkgSrc('@chainfan/react'), pkgSrc('@chainfan/client'), pkgSrc('@chainfan/protocol')];
}

async function newestMtimeMs(path: string): Promise<number> {
  const st = await stat(path);
  if (!st.isDirectory()) return /\.test\.tsx?$/.test(path) ? 0 : st.mtimeMs;
  let newest = 0;
  for (const e of await readdir(path)) newest = Math.max(newest, await newestMtimeMs(join(path, e)));
  return newest;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/**
 * True when `outDir` has no index.html or any source file is newer than it. An installed package ships the bundle
 * without its sources: there, the shipped bundle is current by definition.
 */
export async function dashboardIsStale(outDir = DASHBOARD_DIST_DIR): Promise<boolean> {
  let builtMs: number;
  try {
    builtMs = (await stat(join(outDir, 'index.html'))).mtimeMs;
  } catch {
    return true; // no bundle yet
  }
  if (!(await exists(join(PKG_DIR, 'src')))) return false;
  for (const root of sourceRoots()) if ((await newestMtimeMs(root)) > builtMs) return true;
  return false;
}

/**
 * Builds into a scratch directory and then swaps it in, so a concurrent reader (an edge serving the old
 * bundle, a second `chainfan dev`) never sees a half-written directory. Rejects when Vite is not installed (a
 * production install without devDependencies) or the build fails.
 */
export async function buildDashboard(outDir = DASHBOARD_DIST_DIR): Promise<void> {
  const { build } = await import('vite');
  // scratch space under node_modules: gitignored, and on the same filesystem so that the renames below are atomic
  const scratch = join(dirname(outDir), 'node_modules', '.chainfan-dashboard-build');
  await mkdir(scratch, { recursive: true });
  const tmp = join(scratch, `new-${process.pid}-${Date.now()}`);
  const old = join(scratch, `old-${process.pid}-${Date.now()}`);
  // Vite derives production mode from NODE_ENV when it is set, and a process started by a test runner has `test`:
  // the bundle must be the production one whatever the caller's environment says
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await build({ ...dashboardViteOptions(tmp), root: PKG_DIR, configFile: false, mode: 'production', logLevel: 'warn' }); // dev's stdout is JSON logs
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = nodeEnv;
  }
  try {
    await rename(outDir, old);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // first build: nothing to move aside
  }
  try {
    await rename(tmp, outDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    // a concurrent build (another `chainfan dev`) swapped its bundle in between our two renames: same sources, use it
    await rm(tmp, { recursive: true, force: true });
  }
  await rm(old, { recursive: true, force: true });
}

export interface EnsureBuiltResult {
  readonly dir: string;
  /** false when the existing bundle was up to date */
  readonly built: boolean;
  readonly ms: number;
}

let ensuring: Promise<EnsureBuiltResult> | undefined;

/** Builds the bundle when it is missing or stale; one build per process however often it is called. */
export function ensureDashboardBuilt(): Promise<EnsureBuiltResult> {
  ensuring ??= (async () => {
    const t0 = Date.now();
    const stale = await dashboardIsStale();
    if (stale) await buildDashboard();
    return { dir: DASHBOARD_DIST_DIR, built: stale, ms: Date.now() - t0 };
  })();
  return ensuring;
}
