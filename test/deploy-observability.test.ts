// What an operator gets from the alert rules and dashboards, read statically: every metric family the code
// registers is on some Grafana panel, every alert links a runbook section that exists, cluster-wide alerts are
// aggregated per namespace and release (per-process ones keep the instance), and the chart can point the
// runbook links at a published copy. The rules run in promtool and a real Prometheus in deploy-prometheus.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { findObject, helmTemplate, type KubeTools, kubeTools } from './helpers/kube-tools.js';
import { dashboardExprs, selectorMetrics } from './helpers/prometheus.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TELEMETRY = join(ROOT, 'packages/telemetry/src');
const ALERTS = join(ROOT, 'grafana/prometheus/alerts.yaml');
const RUNBOOKS = join(ROOT, 'docs/runbooks.md');

interface Rule { alert: string; expr: string; labels: Record<string, string>; annotations: Record<string, string> }
const rules = (parse(readFileSync(ALERTS, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

/** Metric families the code registers: every `name: 'chainfan_…'` of a prom-client metric under packages/telemetry. */
function registeredFamilies(): string[] {
  const out = new Set<string>();
  for (const f of readdirSync(TELEMETRY).filter((x) => x.endsWith('.ts') && !x.endsWith('.test.ts'))) {
    const text = readFileSync(join(TELEMETRY, f), 'utf8');
    for (const m of text.matchAll(/new (?:Counter|Gauge|Histogram|Summary)\(\{\s*name:\s*'([a-z_:][a-z0-9_:]*)'/g)) out.add(m[1]!);
  }
  return [...out].sort();
}

/** GitHub's anchor of a Markdown heading. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

describe('dashboards and alerts for operators', () => {
  it('every metric family registered in packages/telemetry appears in some Grafana panel', () => {
    const families = registeredFamilies();
    expect(families.length).toBeGreaterThan(40);
    const onPanels = new Set(dashboardExprs(join(ROOT, 'grafana/dashboards')).flatMap((d) => selectorMetrics(d.expr)).map((m) => m.replace(/_(bucket|sum|count)$/, '')));
    expect(families.filter((f) => !onPanels.has(f))).toEqual([]);
  });

  it('every alert links its section of docs/runbooks.md, and every section there is an alert', () => {
    const md = readFileSync(RUNBOOKS, 'utf8');
    const sections = [...md.matchAll(/^### (.+)$/gm)].map((m) => anchor(m[1]!));
    for (const r of rules) {
      expect(r.annotations['runbook_url'], r.alert).toBe(`docs/runbooks.md#${r.alert.toLowerCase()}`);
      expect(sections, r.alert).toContain(r.alert.toLowerCase());
    }
    expect(sections.sort()).toEqual(rules.map((r) => r.alert.toLowerCase()).sort());
  });

  it('aggregates every cluster-wide alert per namespace and release; per-process alerts keep their instance', () => {
    for (const r of rules) {
      const aggregations = [...r.expr.matchAll(/\b(sum|min|max|avg|count)\s*(?:by\s*\(([^)]*)\))?\s*\(/g)];
      for (const a of aggregations) {
        const by = (a[2] ?? '').split(',').map((x) => x.trim());
        expect(by, `${r.alert}: ${a[0]}`).toContain('namespace');
        expect(by.includes('release') || by.includes('pod'), `${r.alert}: ${a[0]} keeps release or pod`).toBe(true);
      }
    }
    // the edge that is down is named
    const edgeDown = rules.find((r) => r.alert === 'ChainfanEdgeDown')!;
    expect(edgeDown.expr).toBe('up{job="chainfan-edge"} < 1');
    expect(edgeDown.annotations['summary']).toContain('{{ $labels.instance }}');
    for (const a of ['ChainfanFileDescriptorsHigh', 'ChainfanEventLoopLag', 'ChainfanMemoryNearLimit', 'ChainfanRedisMemoryNearMax', 'ChainfanEdgeHpaAtMax']) {
      expect(rules.map((r) => r.alert)).toContain(a);
    }
  });

  describe('Helm PrometheusRule and ServiceMonitors', () => {
    let tools: KubeTools;
    beforeAll(() => {
      tools = kubeTools();
    });

    it('points runbook links at metrics.prometheusRule.runbookBaseUrl and labels every target with its release', () => {
      const base = 'https://docs.example.com/chainfan/runbooks.md';
      const objs = helmTemplate(tools, join(ROOT, 'deploy/helm/chainfan'), [
        '--set', 'metrics.prometheusRule.enabled=true', '--set', `metrics.prometheusRule.runbookBaseUrl=${base}`, '--set', 'metrics.serviceMonitor.enabled=true',
      ]);
      const rule = findObject<{ spec: { groups: { rules: Rule[] }[] } }>(objs, 'PrometheusRule', 'chainfan');
      const urls = rule.spec.groups.flatMap((g) => g.rules).map((r) => r.annotations['runbook_url']);
      expect(urls).toHaveLength(rules.length);
      for (const [i, u] of urls.entries()) expect(u).toBe(`${base}#${rules[i]!.alert.toLowerCase()}`);
      for (const sm of objs.filter((o) => o.kind === 'ServiceMonitor')) {
        const relabel = (sm['spec'] as { endpoints: { relabelings: { targetLabel: string; replacement: string }[] }[] }).endpoints[0]!.relabelings;
        expect(relabel.find((r) => r.targetLabel === 'release')?.replacement, sm.metadata.name).toBe('chainfan');
      }
    });
  });
});
