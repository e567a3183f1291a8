// A real Prometheus (Debian package) for tests: generated config, temp storage, loopback port, and a small HTTP
// API client. Also pulls every PromQL expression out of the shipped dashboards and alert rules.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { waitFor } from '@chainfan/testkit';

export const PROMETHEUS_BIN = process.env['PROMETHEUS_BIN'] ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env['PROMTOOL_BIN'] ?? '/usr/bin/promtool';

export interface ScrapeJob {
  readonly job: string;
  readonly targets: readonly string[];
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export class PrometheusProcess {
  readonly url: string;
  readonly #dir: string;
  readonly #child: ChildProcess;
  readonly #stderr: string[] = [];
  readonly #exit: Promise<void>;

  private constructor(dir: string, port: number) {
    this.#dir = dir;
    this.url = `http://127.0.0.1:${port}`;
    this.#child = spawn(PROMETHEUS_BIN, [
      `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child.stderr!.on('data', (d: Buffer) => this.#stderr.push(String(d)));
    this.#exit = new Promise((r) => this.#child.once('exit', () => r()));
  }

  /** Starts Prometheus scraping `jobs` every second, evaluating `ruleFiles` every second; resolves when ready. */
  static async start(opts: { port: number; jobs: readonly ScrapeJob[]; ruleFiles: readonly string[] }): Promise<PrometheusProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'chainfan-prometheus-'));
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
      rule_files: opts.ruleFiles,
      scrape_configs: opts.jobs.map((j) => ({ job_name: j.job, static_configs: [{ targets: j.targets }] })),
    };
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config)); // JSON is YAML
    const p = new PrometheusProcess(dir, opts.port);
    await waitFor(async () => {
      if (p.#child.exitCode !== null) throw new Error(`prometheus exited ${p.#child.exitCode}: ${p.#stderr.join('')}`);
      return fetch(`${p.url}/-/ready`).then((r) => r.ok, () => false);
    }, { timeoutMs: 20_000, message: `prometheus ready\n${p.#stderr.join('')}` });
    return p;
  }

  async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
    return body.data;
  }

  /** Instant query; rejects with Prometheus's error for an invalid expression. */
  async query(expr: string): Promise<PromSample[]> {
    const data = await this.api<{ resultType: string; result: PromSample[] | [number, string] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
    return data.result as PromSample[];
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    await this.#exit;
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

export function promtool(args: readonly string[]): { code: number | null; output: string } {
  const r = spawnSync(PROMTOOL_BIN, args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

export interface DashboardExpr {
  readonly dashboard: string;
  readonly panel: string;
  readonly expr: string;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every target expression of every panel (rows included) of the JSON dashboards in `dir`. */
export function dashboardExprs(dir: string): DashboardExpr[] {
  const out: DashboardExpr[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const d = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { panels: Panel[] };
    const walk = (ps: readonly Panel[]) => {
      for (const p of ps) {
        for (const t of p.targets ?? []) if (t.expr !== undefined) out.push({ dashboard: file, panel: p.title ?? '', expr: t.expr });
        walk(p.panels ?? []);
      }
    };
    walk(d.panels);
  }
  return out;
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
}

export function alertRules(file: string): AlertRule[] {
  const doc = parse(readFileSync(file, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

/** Grafana's variables as a query would see them over the test's short run: all instances, a window covering it. */
export function substituteGrafanaVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '15s').replaceAll('$instance', '.*');
}

/** Metric names of every selector with label matchers (`name{…}`): how all our expressions spell selectors. */
export function selectorMetrics(expr: string): string[] {
  return [...new Set([...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]!))];
}

/** `<query> <cmp> <number>` → `<query>`; undefined when the expression is not of that shape or combines queries. */
export function queryPart(expr: string): string | undefined {
  if (/\b(and|or|unless)\b/.test(expr.replace(/or vector\(0\)/g, ''))) return undefined;
  const m = /^(.*?)\s*(?:>|<|>=|<=|==|!=)\s*-?[0-9.]+(?:e[-+]?\d+)?\s*$/s.exec(expr);
  return m?.[1];
}

/** A sample counts as data when it is a finite number (histogram_quantile over nothing gives NaN). */
export function hasData(samples: readonly PromSample[]): boolean {
  return samples.some((s) => Number.isFinite(Number(s.value[1])));
}
