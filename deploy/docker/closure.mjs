// The production dependency closure of workspace packages, read from package-lock.json exactly as npm resolved
// it (nested node_modules first, then each parent's), and optionally copied into an image directory.
//
// `npm ci --omit=dev --workspace=<pkg>` cannot produce it in this repository: every workspace is a dependency of
// the root, so the test kit's testcontainers, the load generator's socket.io and the like count as production
// dependencies of the repository. The closure starts at the app's own package instead.
//
//   node deploy/docker/closure.mjs --app @chainfan/cli [--exclude a,b] [--platform linux-x64] [--out /app]
//
// Without --out it prints one location per line (node_modules/… or packages/…). With --out it copies each
// dependency's directory, and each workspace package's package.json, dist/ and bin/, keeping the repository's
// layout (node_modules/@chainfan/<name> links to packages/<name>, as npm links workspaces).
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where `name` resolves from package location `from` (npm's node_modules lookup, links followed). */
function resolveFrom(lock, from, name) {
  let dir = from;
  for (;;) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    const entry = lock.packages[candidate];
    if (entry !== undefined) return entry.link === true ? entry.resolved : candidate;
    if (dir === '') return undefined;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i >= 0 ? dir.slice(0, i) : '';
  }
}

/** npm's os/cpu/libc fields: a list of allowed values, or of `!excluded` ones. Images are Debian (glibc). */
function fitsPlatform(entry, platform) {
  const [os, cpu] = platform.split('-');
  const ok = (list, v) => list === undefined || (list.some((x) => !x.startsWith('!')) ? list.includes(v) : !list.includes(`!${v}`));
  return ok(entry.os, os) && ok(entry.cpu, cpu) && ok(entry.libc, 'glibc');
}

/**
 * Locations (keys of package-lock.json's `packages`) in the production closure of `apps`: dependencies,
 * optional dependencies that fit the platform, and required peers; never devDependencies. `exclude` names
 * packages to leave out together with whatever only they need.
 */
export function productionClosure(lock, apps, { exclude = [], platform = 'linux-x64' } = {}) {
  const skip = new Set(exclude);
  const seen = new Set();
  const missing = [];
  const visit = (location) => {
    if (seen.has(location)) return;
    seen.add(location);
    const entry = lock.packages[location];
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    const deps = [
      ...Object.keys(entry.dependencies ?? {}).map((n) => [n, false]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((n) => [n, true]),
      ...Object.keys(entry.peerDependencies ?? {}).map((n) => [n, optionalPeers[n]?.optional === true]),
    ];
    for (const [name, optional] of deps) {
      if (skip.has(name)) continue;
      const to = resolveFrom(lock, location, name);
      if (to === undefined || lock.packages[to] === undefined) {
        if (!optional) missing.push(`${location} → ${name}`);
        continue;
      }
      if (optional && !fitsPlatform(lock.packages[to], platform)) continue;
      visit(to);
    }
  };
  for (const app of apps) {
    const root = resolveFrom(lock, '', app);
    if (root === undefined) throw new Error(`${app} is not in package-lock.json`);
    visit(root);
  }
  if (missing.length > 0) throw new Error(`unresolved dependencies in package-lock.json: ${missing.join(', ')}`);
  return [...seen].sort();
}

/** The package name a location installs (node_modules/a/node_modules/@s/b → @s/b; packages/x → its name). */
export function packageName(lock, location) {
  const i = location.lastIndexOf('node_modules/');
  return i >= 0 ? location.slice(i + 'node_modules/'.length) : lock.packages[location].name;
}

function copyClosure(repo, lock, locations, out) {
  for (const location of locations) {
    const from = join(repo, location);
    const to = join(out, location);
    if (location.startsWith('packages/')) {
      mkdirSync(to, { recursive: true });
      for (const part of ['package.json', 'dist', 'bin']) if (existsSync(join(from, part))) cpSync(join(from, part), join(to, part), { recursive: true });
      const link = join(out, 'node_modules', packageName(lock, location));
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(relative(dirname(link), to), link);
      continue;
    }
    // nested node_modules are locations of their own (copied only when in the closure)
    cpSync(from, to, { recursive: true, filter: (src) => src === from || !relative(from, src).split('/').includes('node_modules') });
  }
}

function main(argv) {
  const arg = (flag) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const apps = (arg('--app') ?? '').split(',').filter(Boolean);
  if (apps.length === 0) throw new Error('usage: closure.mjs --app <pkg>[,<pkg>] [--exclude a,b] [--platform linux-x64] [--out dir]');
  const repo = arg('--repo') ?? process.cwd();
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'));
  const locations = productionClosure(lock, apps, { exclude: (arg('--exclude') ?? '').split(',').filter(Boolean), platform: arg('--platform') ?? 'linux-x64' });
  const out = arg('--out');
  if (out === undefined) {
    process.stdout.write(`${locations.join('\n')}\n`);
    return;
  }
  mkdirSync(out, { recursive: true });
  copyClosure(repo, lock, locations, out);
  process.stdout.write(`${locations.length} packages → ${out} (${readdirSync(join(out, 'node_modules')).length} top-level entries)\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
