import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createRegistry } from './registry.js';
import { createEdgeMetrics } from './edge-metrics.js';
import { createIngestorMetrics } from './ingestor-metrics.js';
import { createLogger } from './logger.js';

const BOUNDED_LABELS = new Set(['channel', 'topic_kind', 'dialect', 'reason', 'topic', 'method', 'outcome', 'limit', 'state', 'shard']); // shard: ordinal of a Cluster master (a handful)

async function metricNames(make: (r: ReturnType<typeof createRegistry>) => unknown): Promise<{ name: string; labels: string[] }[]> {
  const registry = createRegistry({ defaultMetrics: false });
  make(registry);
  const json = await registry.getMetricsAsJSON();
  return json.map((m) => ({ name: m.name, labels: (m as { labelNames?: string[] }).labelNames ?? [] }));
}

describe('metric definitions', () => {
  it('define the edge metrics under chainfan_edge_ with unit suffixes and bounded labels', async () => {
    const ms = await metricNames(createEdgeMetrics);
    expect(ms.map((m) => m.name)).toEqual(expect.arrayContaining([
      'chainfan_edge_connections', 'chainfan_edge_connections_opened_total', 'chainfan_edge_connections_closed_total',
      'chainfan_edge_subscriptions', 'chainfan_edge_messages_sent_total', 'chainfan_edge_bytes_sent_total',
      'chainfan_edge_messages_dropped_total', 'chainfan_edge_delivery_lag_seconds', 'chainfan_edge_client_errors_total',
      'chainfan_edge_bus_messages_total', 'chainfan_edge_bus_gaps_total', 'chainfan_edge_bus_up', 'chainfan_edge_bus_state',
      'chainfan_edge_auth_failures_total', 'chainfan_edge_limit_hits_total', 'chainfan_edge_recoveries_total',
      'chainfan_edge_resync_notices_total', 'chainfan_edge_connection_messages', 'chainfan_edge_connection_buffered_bytes',
      'chainfan_edge_connection_lifetime_seconds', 'chainfan_edge_send_results_total', 'chainfan_edge_gap_fills_total', 'chainfan_edge_chain_resume_total',
    ]));
    for (const m of ms) {
      expect(m.name).toMatch(/^chainfan_edge_/);
      for (const l of m.labels) expect(BOUNDED_LABELS.has(l), `${m.name}{${l}}`).toBe(true);
    }
  });

  it('define the ingestor metrics under chainfan_ingestor_ (and the bus\'s per-shard count) with bounded labels', async () => {
    const ms = await metricNames(createIngestorMetrics);
    expect(ms.map((m) => m.name).sort()).toEqual([
      'chainfan_bus_publish_total', 'chainfan_ingestor_backfilled_blocks_total', 'chainfan_ingestor_bus_up', 'chainfan_ingestor_decode_errors_total',
      'chainfan_ingestor_duplicate_txs_total', 'chainfan_ingestor_last_notification_timestamp_seconds', 'chainfan_ingestor_leader',
      'chainfan_ingestor_node_up', 'chainfan_ingestor_publish_errors_total', 'chainfan_ingestor_publish_latency_seconds',
      'chainfan_ingestor_published_total', 'chainfan_ingestor_recovered_txs_total', 'chainfan_ingestor_reorgs_total',
      'chainfan_ingestor_resync_failures_total', 'chainfan_ingestor_resyncs_total', 'chainfan_ingestor_rpc_calls_total',
      'chainfan_ingestor_standby_ignored_total', 'chainfan_ingestor_tip_height', 'chainfan_ingestor_zmq_gaps_total',
      'chainfan_ingestor_zmq_messages_total', 'chainfan_ingestor_zmq_resets_total',
    ]);
    for (const m of ms) for (const l of m.labels) expect(BOUNDED_LABELS.has(l), `${m.name}{${l}}`).toBe(true);
  });

  it('keep registries independent so two apps in one process do not collide', () => {
    const a = createRegistry({ defaultMetrics: false });
    const b = createRegistry({ defaultMetrics: false });
    expect(() => { createEdgeMetrics(a); createEdgeMetrics(b); createIngestorMetrics(a); }).not.toThrow();
  });
});

describe('createLogger', () => {
  it('writes JSON lines carrying service, component and event', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
    const log = createLogger({ service: 'edge', level: 'info', destination: sink });
    log.child({ component: 'fanout' }).info({ event: 'fanout.started' }, 'hello');
    log.debug({ event: 'hidden' }, 'below level');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ service: 'edge', component: 'fanout', event: 'fanout.started', msg: 'hello', level: 30 });
  });
});
