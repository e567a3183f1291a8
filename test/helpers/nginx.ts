// Runs the shipped nginx configuration (deploy/nginx) for tests: copied into a temp prefix with the edge list and
// listen port templated, temp paths, pid and logs inside that prefix, nginx in the foreground as a child process.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@chainfan/testkit';

export const NGINX_BIN = process.env['NGINX_BIN'] ?? '/usr/sbin/nginx';
export const SHIPPED_NGINX_DIR = fileURLToPath(new URL('../../deploy/nginx', import.meta.url));

export interface NginxConfigOptions {
  /** host:port of each edge; written with the parameters of the shipped upstream.d/edges.conf */
  readonly upstreams: readonly string[];
  readonly listenPort: number;
  /** replaces limits.d/per-ip.conf's limit; the shipped value when omitted */
  readonly perIpLimit?: number;
  /** the stub_status listener's port (127.0.0.1); a free one is needed when two nginx run at once */
  readonly statusPort?: number;
  /** replaces nginx.conf's worker_shutdown_timeout (e.g. '1s'), so a test can watch it act */
  readonly workerShutdownTimeout?: string;
  /** enables the shipped TLS server (tls/chainfan-tls.conf) on 127.0.0.1:<port> with this certificate and key (PEM) */
  readonly tls?: { readonly port: number; readonly cert: string; readonly key: string };
}

/** The `max_fails=… fail_timeout=…` parameters of the first shipped `server` line, so tests run production's. */
export function shippedUpstreamParams(): string {
  const text = readFileSync(join(SHIPPED_NGINX_DIR, 'upstream.d/edges.conf'), 'utf8');
  const m = /^server\s+\S+\s+([^;]*);/m.exec(text);
  if (m === null) throw new Error('deploy/nginx/upstream.d/edges.conf has no server line');
  return m[1]!.trim();
}

/** The shipped per-IP connection limit. */
export function shippedPerIpLimit(): number {
  const m = /limit_conn\s+chainfan_perip\s+(\d+);/.exec(readFileSync(join(SHIPPED_NGINX_DIR, 'limits.d/per-ip.conf'), 'utf8'));
  if (m === null) throw new Error('deploy/nginx/limits.d/per-ip.conf has no limit_conn chainfan_perip line');
  return Number(m[1]);
}

/** A temp copy of deploy/nginx ready for `nginx -p dir -c dir/nginx.conf`; the caller removes `dir`. */
export function prepareNginxConfig(opts: NginxConfigOptions): { dir: string; conf: string } {
  const dir = mkdtempSync(join(tmpdir(), 'chainfan-nginx-'));
  cpSync(SHIPPED_NGINX_DIR, dir, { recursive: true });
  const params = shippedUpstreamParams();
  writeFileSync(join(dir, 'upstream.d/edges.conf'), opts.upstreams.map((u) => `server ${u} ${params};\n`).join(''));
  const site = join(dir, 'conf.d/chainfan.conf');
  const text = readFileSync(site, 'utf8');
  const listens = text.match(/^\s*listen 8080;$/gm) ?? [];
  if (listens.length !== 1) throw new Error(`expected one "listen 8080;" in conf.d/chainfan.conf, found ${listens.length}`);
  const statusListens = text.match(/^\s*listen 8081;$/gm) ?? [];
  if (statusListens.length !== 1) throw new Error(`expected one "listen 8081;" in conf.d/chainfan.conf, found ${statusListens.length}`);
  writeFileSync(site, text
    .replace(/^(\s*)listen 8080;$/m, `$1listen 127.0.0.1:${opts.listenPort};`)
    .replace(/^(\s*)listen 8081;$/m, opts.statusPort === undefined ? `$1listen unix:${join(dir, 'status.sock')};` : `$1listen 127.0.0.1:${opts.statusPort};`));
  if (opts.workerShutdownTimeout !== undefined) {
    const main = readFileSync(join(dir, 'nginx.conf'), 'utf8');
    if ((main.match(/^worker_shutdown_timeout \S+;$/gm) ?? []).length !== 1) throw new Error('expected one worker_shutdown_timeout in nginx.conf');
    writeFileSync(join(dir, 'nginx.conf'), main.replace(/^worker_shutdown_timeout \S+;$/m, `worker_shutdown_timeout ${opts.workerShutdownTimeout};`));
  }
  if (opts.tls !== undefined) {
    const tls = readFileSync(join(dir, 'tls/chainfan-tls.conf'), 'utf8');
    if ((tls.match(/^\s*listen 8443 ssl;$/gm) ?? []).length !== 1) throw new Error('expected one "listen 8443 ssl;" in tls/chainfan-tls.conf');
    writeFileSync(join(dir, 'conf.d/chainfan-tls.conf'), tls.replace(/^(\s*)listen 8443 ssl;$/m, `$1listen 127.0.0.1:${opts.tls.port} ssl;`));
    writeFileSync(join(dir, 'certs/tls.crt'), opts.tls.cert);
    writeFileSync(join(dir, 'certs/tls.key'), opts.tls.key, { mode: 0o600 });
  }
  if (opts.perIpLimit !== undefined) writeFileSync(join(dir, 'limits.d/per-ip.conf'), `limit_conn chainfan_perip ${opts.perIpLimit};\n`);
  // Debian's nginx has /var/lib/nginx compiled in as its temp root; keep everything inside the prefix instead.
  writeFileSync(
    join(dir, 'conf.d/00-test-runtime.conf'),
    ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${join(dir, `tmp-${k}`)};\n`).join(''),
  );
  return { dir, conf: join(dir, 'nginx.conf') };
}

function globalArgs(dir: string): string[] {
  return ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')}; error_log ${join(dir, 'error.log')} warn;`];
}

/** `nginx -t` on a prepared directory. */
export function nginxConfigTest(dir: string): { code: number | null; output: string } {
  const r = spawnSync(NGINX_BIN, ['-t', ...globalArgs(dir)], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

export class NginxProcess {
  readonly dir: string;
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #exit: Promise<void>;

  private constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.#child = spawn(NGINX_BIN, globalArgs(dir), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child.stderr!.resume();
    this.#exit = new Promise((r) => this.#child.once('exit', () => r()));
  }

  /** Starts nginx on a prepared config and resolves once /nginx-health answers. */
  static async start(opts: NginxConfigOptions): Promise<NginxProcess> {
    const { dir } = prepareNginxConfig(opts);
    const n = new NginxProcess(dir, opts.listenPort);
    await waitFor(async () => {
      if (n.#child.exitCode !== null) throw new Error(`nginx exited ${n.#child.exitCode}: ${n.errorLog()}`);
      return fetch(`http://127.0.0.1:${n.port}/nginx-health`).then((r) => r.ok, () => false);
    }, { timeoutMs: 10_000, message: 'nginx /nginx-health' });
    return n;
  }

  /** SIGHUP: nginx re-reads its configuration, starts new workers and gracefully shuts the old ones down. */
  reload(): void {
    this.#child.kill('SIGHUP');
  }

  errorLog(): string {
    try {
      return readFileSync(join(this.dir, 'error.log'), 'utf8');
    } catch {
      return ''; // not written yet
    }
  }

  /** SIGQUIT is nginx's graceful stop; upgraded connections are cut when the workers exit. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    await this.#exit;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
