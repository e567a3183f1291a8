// The alert rules and dashboards against a real Prometheus scraping real processes: `promtool check rules` and
// `promtool test rules`, then Prometheus (1 s scrapes) over a running ingestor, two edges and redis_exporter while
// node-sim produces blocks and transactions, and every PromQL expression of grafana/ evaluated through the HTTP API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { parse } from 'yaml';
import { base58checkEncode, NETWORKS } from '@chainfan/chain';
import { NodeSim } from '@chainfan/node-sim';
import { freePort, type RedisHandle, redisCommand, startRedis, waitFor } from '@chainfan/testkit';
import { ChainfanProcess } from './helpers/chainfan-process.js';
import {
  alertRules, dashboardExprs, hasData, PrometheusProcess, promtool, queryPart, selectorMetrics, substituteGrafanaVariables,
} from './helpers/prometheus.js';
import { edgePorts, ingestorOpsPort } from './helpers/role-ports.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ALERTS = join(ROOT, 'grafana/prometheus/alerts.yaml');
const DASHBOARDS = join(ROOT, 'grafana/dashboards');
const REDIS_EXPORTER_BIN = process.env['REDIS_EXPORTER_BIN'] ?? '/usr/bin/prometheus-redis-exporter';
/** redis_exporter's --check-streams as compose ships it, so the test proves it matches the bus's history keys. */
const SHIPPED_CHECK_STREAMS = ((parse(readFileSync(join(ROOT, 'deploy/compose.yaml'), 'utf8')) as { services: Record<string, { command: string[] }> })
  .services['redis-exporter']!.command.find((a) => a.startsWith('--check-streams='))!);
const RPC_USER = 'sim';
const RPC_PASSWORD = 'prometheus-test';

/**
 * Counters with labels that a healthy run never increments, so they have no series, only # HELP/# TYPE (whose
 * scrape the first test checks). Everything else the dashboards and rules name must return data here.
 */
const NOTHING_TO_COUNT = [
  'chainfan_ingestor_publish_errors_total', 'chainfan_ingestor_decode_errors_total', 'chainfan_ingestor_resyncs_total', 'chainfan_ingestor_zmq_resets_total',
  'chainfan_edge_auth_failures_total', 'chainfan_edge_limit_hits_total', 'chainfan_edge_recoveries_total', 'chainfan_edge_replayed_messages_total',
  'chainfan_edge_resync_notices_total', 'chainfan_edge_gap_fills_total', 'chainfan_edge_held_messages', 'chainfan_edge_handler_failures_total',
  'chainfan_edge_chain_resume_total', 'chainfan_edge_silent_channel_catchups_total',
];
/**
 * Series this test's processes cannot produce: Kubernetes' (cAdvisor, kube-state-metrics), Redis replicas' (one
 * Redis here), and the bus's per-shard publish counter (Redis Cluster). promtool tests (alerts.test.yaml) cover
 * the rules on them; the live checks skip them.
 */
const ELSEWHERE = [
  'container_memory_working_set_bytes', 'kube_pod_container_resource_limits', 'kube_horizontalpodautoscaler_status_current_replicas', 'kube_horizontalpodautoscaler_spec_max_replicas',
  'redis_connected_slave_lag_seconds', 'chainfan_bus_publish_total',
];
const onlyUncounted = (expr: string) => selectorMetrics(expr).every((m) => NOTHING_TO_COUNT.includes(m) || ELSEWHERE.includes(m));

describe('grafana/prometheus alert rules with promtool', () => {
  it('promtool check rules accepts them', () => {
    const r = promtool(['check', 'rules', ALERTS]);
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.code).toBe(0);
  });

  it('promtool test rules: they fire (and stay quiet) as intended on synthetic series', () => {
    const r = promtool(['test', 'rules', join(ROOT, 'grafana/prometheus/alerts.test.yaml')]);
    expect(r.output).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });
});

describe('grafana dashboards as files Grafana provisions', () => {
  interface Panel { id: number; type: string; title: string; datasource?: { uid: string }; gridPos: { x: number; w: number; h: number }; targets?: { datasource: { uid: string } }[] }
  const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json')).sort();

  it('are overview, edge, ingestor and Redis, with unique uids and a datasource variable every query uses', () => {
    expect(files).toEqual(['edge.json', 'ingestor.json', 'overview.json', 'redis.json']);
    const uids = new Set<string>();
    for (const f of files) {
      const d = JSON.parse(readFileSync(join(DASHBOARDS, f), 'utf8')) as { uid: string; title: string; templating: { list: { name: string; type: string }[] }; panels: Panel[] };
      expect(uids.has(d.uid), f).toBe(false);
      uids.add(d.uid);
      expect(d.title).toMatch(/^chainfan \/ /);
      expect(d.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, `${f}: panel ids`).toBe(ids.length);
      for (const p of d.panels) {
        expect(p.gridPos.x + p.gridPos.w, `${f} / ${p.title}`).toBeLessThanOrEqual(24);
        if (p.type === 'row') continue;
        expect(p.datasource?.uid, `${f} / ${p.title}`).toBe('${datasource}');
        for (const t of p.targets ?? []) expect(t.datasource.uid).toBe('${datasource}');
      }
    }
  });
});

describe('dashboards and alert rules against a real Prometheus scraping chainfan', () => {
  let redis: RedisHandle;
  let sim: NodeSim;
  let ingestor: ChainfanProcess;
  const edges: ChainfanProcess[] = [];
  let exporter: ChildProcess;
  let prom: PrometheusProcess;
  let ingestorOps: number;
  const clients: WebSocket[] = [];
  const watched = base58checkEncode(NETWORKS['evrmore-main'].pubkeyHash, randomBytes(20));

  beforeAll(async () => {
    redis = await startRedis();
    sim = new NodeSim({ network: 'evrmore-main', zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, rpcUser: RPC_USER, rpcPassword: RPC_PASSWORD, autoMine: false, txPerSecond: 0, seed: 7 });
    const node = await sim.start();
    ingestor = new ChainfanProcess('ingestor', [], {
      CHAINFAN_REDIS_URL: redis.url, CHAINFAN_ZMQ_ENDPOINTS: node.zmqEndpoint, CHAINFAN_RPC_URL: node.rpcUrl, CHAINFAN_RPC_USER: RPC_USER,
      CHAINFAN_RPC_PASSWORD: RPC_PASSWORD, CHAINFAN_INGESTOR_OPS_PORT: '0', CHAINFAN_OPS_HOST: '127.0.0.1', CHAINFAN_MEMPOOL_INTERVAL_MS: '1000',
    });
    const edgeEnv = { CHAINFAN_REDIS_URL: redis.url, CHAINFAN_EDGE_HOST: '127.0.0.1', CHAINFAN_EDGE_PORT: '0', CHAINFAN_OPS_HOST: '127.0.0.1', CHAINFAN_EDGE_OPS_PORT: '0' };
    edges.push(new ChainfanProcess('edge', [], edgeEnv));
    // the second edge sends no frame above 1 KiB, so blocks are dropped there (chainfan_edge_messages_dropped_total)
    edges.push(new ChainfanProcess('edge', [], { ...edgeEnv, CHAINFAN_EDGE_MAX_EVENT_FRAME_BYTES: '1024' }));
    const exporterPort = await freePort();
    exporter = spawn(REDIS_EXPORTER_BIN, [`--redis.addr=${redis.url}`, `--web.listen-address=127.0.0.1:${exporterPort}`, SHIPPED_CHECK_STREAMS], { stdio: 'ignore' });
    ingestorOps = await ingestorOpsPort(ingestor);
    const ports = await Promise.all(edges.map((e) => edgePorts(e)));
    prom = await PrometheusProcess.start({
      port: await freePort(),
      ruleFiles: [ALERTS],
      jobs: [
        { job: 'chainfan-edge', targets: ports.map((p) => `127.0.0.1:${p.opsPort}`) },
        { job: 'chainfan-ingestor', targets: [`127.0.0.1:${ingestorOps}`] },
        { job: 'redis', targets: [`127.0.0.1:${exporterPort}`] },
      ],
    });
    // Activity starts after the first scrape of every target, so every counter's increase is inside the window.
    await waitFor(async () => (await prom.query('up == 1')).length === 4, { timeoutMs: 20_000, intervalMs: 200, message: 'all four targets scraped' });

    for (const p of ports) {
      for (const topics of [['blocks', 'transactions'], [`address:${watched}`, 'asset:CHAINFAN', 'mempool']]) {
        const ws = new WebSocket(`ws://127.0.0.1:${p.port}/`);
        await new Promise((r, j) => ws.once('open', r).once('error', j));
        for (const topic of topics) ws.send(JSON.stringify({ action: 'subscribe', topic }));
        ws.send('{not json'); // chainfan_edge_client_errors_total{reason="invalid_json"}
        clients.push(ws);
      }
    }
    // a socket that comes and goes: connections closed, connection lifetime
    const brief = new WebSocket(`ws://127.0.0.1:${ports[0]!.port}/`);
    await new Promise((r, j) => brief.once('open', r).once('error', j));
    brief.close();
  }, 150_000); // four processes, an exporter and Prometheus starting on a busy machine

  afterAll(async () => {
    for (const c of clients) c.terminate();
    await prom?.stop();
    exporter?.kill('SIGTERM');
    await Promise.all(edges.map((e) => e.stop()));
    await ingestor?.stop();
    await sim?.close();
    await redis?.stop();
  });

  /** One step of chain activity per poll, plus the faults whose counters the rules watch. */
  let step = 0;
  async function activity(): Promise<void> {
    step += 1;
    await sim.createTx();
    if (step % 4 === 0) await sim.sendTo(watched, 1_000_000n + BigInt(step));
    if (step % 5 === 0) await sim.mineBlock();
    if (step === 6) sim.skipZmq('rawtx', 1); // chainfan_ingestor_zmq_gaps_total
    if (step === 8) await redisCommand(redis.url, ['INCR', '{cf:txs}:seq']); // a hole in the bus sequence: chainfan_edge_bus_gaps_total
  }

  it('every metric the dashboards and rules name is scraped from the real processes', async () => {
    const exprs = [...dashboardExprs(DASHBOARDS).map((d) => d.expr), ...alertRules(ALERTS).map((r) => r.expr)];
    const names = [...new Set(exprs.flatMap(selectorMetrics))].filter((n) => !ELSEWHERE.includes(n)).sort();
    expect(names.length).toBeGreaterThan(30);
    const missing = await waitFor(async () => {
      await activity();
      const unknown: string[] = [];
      for (const name of names) {
        if ((await prom.query(`count(${name})`)).length > 0) continue;
        // labelled counters nothing has incremented yet expose only # HELP/# TYPE: Prometheus keeps their metadata
        const base = name.replace(/_(bucket|sum|count)$/, '');
        const meta = await prom.api<unknown[]>(`/api/v1/targets/metadata?metric=${base}`);
        if (meta.length === 0) unknown.push(name);
      }
      return unknown.length === 0 ? [] : undefined;
    }, { timeoutMs: 45_000, intervalMs: 250, message: 'every metric scraped' }).catch(async (err: unknown) => {
      const still: string[] = [];
      for (const name of names) if ((await prom.query(`count(${name})`)).length === 0) still.push(name);
      throw new Error(`not scraped: ${still.join(', ')}`, { cause: err });
    });
    expect(missing).toEqual([]);
  });

  it('every dashboard expression returns data', async () => {
    const exprs = dashboardExprs(DASHBOARDS);
    expect(exprs.length).toBeGreaterThan(40);
    const empty = async () => {
      const out: string[] = [];
      for (const d of exprs) {
        if (onlyUncounted(d.expr)) continue; // each such panel also has an `or vector(0)` total, checked here
        if (!hasData(await prom.query(substituteGrafanaVariables(d.expr)))) out.push(`${d.dashboard} / ${d.panel}: ${d.expr}`);
      }
      return out;
    };
    let last: string[] = [];
    await waitFor(async () => {
      await activity();
      last = await empty();
      return last.length === 0;
    }, { timeoutMs: 45_000, intervalMs: 250, message: 'dashboard expressions return data' }).catch((err: unknown) => {
      throw new Error(`no data:\n${last.join('\n')}`, { cause: err });
    });
    expect(last).toEqual([]);
  });

  it('every alert rule evaluates cleanly in Prometheus, and the query part of each returns data', async () => {
    const rules = alertRules(ALERTS);
    for (const r of rules) await prom.query(r.expr); // throws on a PromQL error
    // the rule manager evaluates them every second: wait for one evaluation of each, then read its health
    type Loaded = { name: string; health: string; lastError?: string; lastEvaluation: string };
    await waitFor(async () => {
      const groups = (await prom.api<{ groups: { rules: Loaded[] }[] }>('/api/v1/rules')).groups;
      const loaded = groups.flatMap((g) => g.rules);
      return loaded.length === rules.length && loaded.every((l) => !l.lastEvaluation.startsWith('0001'));
    }, { timeoutMs: 15_000, intervalMs: 200, message: 'every rule evaluated once' });
    const loaded = (await prom.api<{ groups: { rules: Loaded[] }[] }>('/api/v1/rules')).groups.flatMap((g) => g.rules);
    expect(loaded.filter((l) => l.health !== 'ok').map((l) => `${l.name}: ${l.lastError}`)).toEqual([]);

    const checked: string[] = [];
    const noData: string[] = [];
    await waitFor(async () => {
      await activity();
      noData.length = 0;
      checked.length = 0;
      for (const r of rules) {
        const q = queryPart(r.expr);
        if (q === undefined || onlyUncounted(q)) continue;
        checked.push(r.alert);
        if (!hasData(await prom.query(q))) noData.push(`${r.alert}: ${q}`);
      }
      return noData.length === 0;
    }, { timeoutMs: 45_000, intervalMs: 250, message: 'alert queries return data' }).catch((err: unknown) => {
      throw new Error(`no data:\n${noData.join('\n')}`, { cause: err });
    });
    expect(checked).toEqual(expect.arrayContaining([
      'ChainfanNoEdgeUp', 'ChainfanEdgeDown', 'ChainfanNoIngestorLeader', 'ChainfanResyncFailing', 'ChainfanZmqSilent', 'ChainfanZmqGaps', 'ChainfanBusGaps', 'ChainfanMessagesDropped',
      'ChainfanHighDeliveryLag', 'ChainfanFileDescriptorsHigh', 'ChainfanEventLoopLag',
    ]));
    // and nothing fires on a healthy system except what this test provoked
    const firing = (await prom.query('ALERTS{alertstate="firing"}')).map((s) => s.metric['alertname']);
    expect(firing.filter((a) => !['ChainfanZmqGaps', 'ChainfanBusGaps'].includes(a!))).toEqual([]);
  });
});
