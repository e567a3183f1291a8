// Every metric the ingestor exports: bounded labels only — topic, channel, method, outcome, shard ordinal.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds from ZMQ receive to the bus confirming the publish (RPC enrichment + one Redis round trip). */
const PUBLISH_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createIngestorMetrics(registry: Registry) {
  const registers = [registry];
  return {
    zmqMessages: new Counter({
      name: 'chainfan_ingestor_zmq_messages_total', help: 'ZMQ notifications received', labelNames: ['topic'] as const, registers,
    }),
    zmqResets: new Counter({ name: 'chainfan_ingestor_zmq_resets_total', help: 'ZMQ counters that restarted (node restart)', labelNames: ['topic'] as const, registers }),
    resyncs: new Counter({ name: 'chainfan_ingestor_resyncs_total', help: 'Reconciliations with the node over RPC', labelNames: ['reason'] as const, registers }),
    resyncFailures: new Counter({ name: 'chainfan_ingestor_resync_failures_total', help: 'Reconciliations that failed and will be retried', registers }),
    reorgs: new Counter({ name: 'chainfan_ingestor_reorgs_total', help: 'Chain reorganisations published', registers }),
    backfilledBlocks: new Counter({ name: 'chainfan_ingestor_backfilled_blocks_total', help: 'Blocks fetched over RPC because ZMQ did not deliver them', registers }),
    recoveredTxs: new Counter({ name: 'chainfan_ingestor_recovered_txs_total', help: 'Mempool transactions found by reconciliation that ZMQ lost', registers }),
    leader: new Gauge({ name: 'chainfan_ingestor_leader', help: '1 while this ingestor holds the leader lease', registers }),
    standbyIgnored: new Counter({ name: 'chainfan_ingestor_standby_ignored_total', help: 'Notifications ignored while standby', registers }),
    zmqGaps: new Counter({
      name: 'chainfan_ingestor_zmq_gaps_total', help: 'Gaps in the ZMQ per-topic sequence', labelNames: ['topic'] as const, registers,
    }),
    published: new Counter({
      name: 'chainfan_ingestor_published_total', help: 'Envelopes the bus confirmed', labelNames: ['channel'] as const, registers,
    }),
    busPublished: new Counter({
      name: 'chainfan_bus_publish_total',
      help: 'Messages the bus confirmed, by Redis shard (ordinal of the Cluster master in slot order; 0 on one server or Sentinel)',
      labelNames: ['shard'] as const, registers,
    }),
    publishErrors: new Counter({
      name: 'chainfan_ingestor_publish_errors_total', help: 'Events not published, by why (bus_down, fenced, overflow, enrich, error)',
      labelNames: ['channel', 'reason'] as const, registers,
    }),
    publishLatency: new Histogram({
      name: 'chainfan_ingestor_publish_latency_seconds', help: 'ZMQ receive → publish resolved', labelNames: ['channel'] as const,
      buckets: PUBLISH_BUCKETS, registers,
    }),
    rpcCalls: new Counter({
      name: 'chainfan_ingestor_rpc_calls_total', help: 'Node JSON-RPC calls', labelNames: ['method', 'outcome'] as const, registers,
    }),
    duplicates: new Counter({
      name: 'chainfan_ingestor_duplicate_txs_total', help: 'Transaction announcements after the first (not republished)', registers,
    }),
    lastNotificationSeconds: new Gauge({
      name: 'chainfan_ingestor_last_notification_timestamp_seconds', help: 'Unix time of the last ZMQ notification', registers,
    }),
    decodeErrors: new Counter({
      name: 'chainfan_ingestor_decode_errors_total', help: 'Undecodable ZMQ payloads', labelNames: ['topic'] as const, registers,
    }),
    tipHeight: new Gauge({ name: 'chainfan_ingestor_tip_height', help: 'Height of the last block published', registers }),
    nodeUp: new Gauge({ name: 'chainfan_ingestor_node_up', help: '1 while the node answers RPC and ZMQ is connected', registers }),
    busUp: new Gauge({ name: 'chainfan_ingestor_bus_up', help: '1 while the bus connection is up', registers }),
  };
}

export type IngestorMetrics = ReturnType<typeof createIngestorMetrics>;
