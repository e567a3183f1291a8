// Every metric the edge exports: bounded labels only — channel, topic_kind, dialect, reason,
// limit, outcome, state. "Per connection" is a histogram over connections, never a connection label.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds; delivery spans one Redis hop plus the edge's fan-out, so most mass sits under 50 ms. */
const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const LIFETIME_BUCKETS = [1, 10, 60, 300, 1_800, 3_600, 21_600, 86_400];
const MESSAGES_BUCKETS = [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
const BUFFERED_BUCKETS = [0, 1_024, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216];

export function createEdgeMetrics(registry: Registry) {
  const registers = [registry];
  return {
    connections: new Gauge({ name: 'chainfan_edge_connections', help: 'Open client sockets', registers }),
    connectionsOpened: new Counter({ name: 'chainfan_edge_connections_opened_total', help: 'Client sockets accepted', registers }),
    connectionsClosed: new Counter({
      name: 'chainfan_edge_connections_closed_total', help: 'Client sockets closed, by why', labelNames: ['reason'] as const, registers,
    }),
    connectionLifetime: new Histogram({
      name: 'chainfan_edge_connection_lifetime_seconds', help: 'Open → close, per connection', buckets: LIFETIME_BUCKETS, registers,
    }),
    connectionMessages: new Histogram({
      name: 'chainfan_edge_connection_messages', help: 'Frames sent over a connection\'s whole life, observed at its close',
      buckets: MESSAGES_BUCKETS, registers,
    }),
    bufferedBytes: new Histogram({
      name: 'chainfan_edge_connection_buffered_bytes', help: 'Outbound bytes buffered per connection, sampled at every backpressure sweep',
      buckets: BUFFERED_BUCKETS, registers,
    }),
    subscriptions: new Gauge({
      name: 'chainfan_edge_subscriptions', help: 'Active client subscriptions', labelNames: ['topic_kind'] as const, registers,
    }),
    messagesSent: new Counter({
      name: 'chainfan_edge_messages_sent_total', help: 'Event frames handed to sockets (one per subscribed socket), live and replayed',
      labelNames: ['topic_kind', 'dialect'] as const, registers,
    }),
    bytesSent: new Counter({
      name: 'chainfan_edge_bytes_sent_total', help: 'Event frame bytes handed to sockets', labelNames: ['topic_kind', 'dialect'] as const, registers,
    }),
    sendResults: new Counter({
      name: 'chainfan_edge_send_results_total', help: 'Direct sends (acks, errors, replays, notices) by uWS result',
      labelNames: ['outcome'] as const, registers,
    }),
    messagesDropped: new Counter({
      name: 'chainfan_edge_messages_dropped_total', help: 'Frames not delivered, by why', labelNames: ['reason'] as const, registers,
    }),
    deliveryLag: new Histogram({
      name: 'chainfan_edge_delivery_lag_seconds', help: 'Ingest ts → handed to uWS publish', labelNames: ['channel'] as const,
      buckets: LAG_BUCKETS, registers,
    }),
    clientErrors: new Counter({
      name: 'chainfan_edge_client_errors_total', help: 'Bad client input, by why', labelNames: ['reason'] as const, registers,
    }),
    commandsDropped: new Counter({
      name: 'chainfan_edge_commands_dropped_total', help: 'Queued client requests dropped unanswered because their socket closed first',
      registers,
    }),
    handlerFailures: new Counter({
      name: 'chainfan_edge_handler_failures_total',
      help: 'Bugs caught at a socket or HTTP handler (the socket closed 1011 or the request answered 500, the process kept), by handler',
      labelNames: ['handler'] as const, registers,
    }),
    authFailures: new Counter({
      name: 'chainfan_edge_auth_failures_total', help: 'Upgrades refused by authentication or the Origin check, by why',
      labelNames: ['reason'] as const, registers,
    }),
    authSuccesses: new Counter({
      name: 'chainfan_edge_auth_successes_total', help: 'Upgrades admitted, by credential kind (anonymous, api_key, jwt)',
      labelNames: ['reason'] as const, registers,
    }),
    limitHits: new Counter({
      name: 'chainfan_edge_limit_hits_total', help: 'Requests refused or sockets closed by a limit, by limit', labelNames: ['limit'] as const, registers,
    }),
    resyncs: new Counter({
      name: 'chainfan_edge_resync_notices_total', help: 'resync notices sent to clients, by why', labelNames: ['reason'] as const, registers,
    }),
    recoveries: new Counter({
      name: 'chainfan_edge_recoveries_total', help: 'Subscribes with a position, by outcome', labelNames: ['outcome'] as const, registers,
    }),
    chainResumes: new Counter({
      name: 'chainfan_edge_chain_resume_total', help: 'Subscribes from a block (height and hash), by outcome (history, node, reorg, resync)',
      labelNames: ['outcome'] as const, registers,
    }),
    replayedMessages: new Counter({
      name: 'chainfan_edge_replayed_messages_total', help: 'Frames sent from history or the recent ring to recovering sockets',
      labelNames: ['channel'] as const, registers,
    }),
    gapFills: new Counter({
      name: 'chainfan_edge_gap_fills_total', help: 'Fills of a bus channel from history (after a gap or a bus reconnect), by outcome',
      labelNames: ['channel', 'outcome'] as const, registers,
    }),
    feedProbeCatchUps: new Counter({
      name: 'chainfan_edge_silent_channel_catchups_total',
      help: 'Channels found behind their position on the bus twice in a row with no live message arriving (e.g. a sharded subscription lost in a failover), caught up from history',
      labelNames: ['channel'] as const, registers,
    }),
    heldMessages: new Gauge({
      name: 'chainfan_edge_held_messages', help: 'Live messages held back while their channel fills from history',
      labelNames: ['channel'] as const, registers,
    }),
    busMessages: new Counter({
      name: 'chainfan_edge_bus_messages_total', help: 'Envelopes received from the bus', labelNames: ['channel'] as const, registers,
    }),
    busGaps: new Counter({
      name: 'chainfan_edge_bus_gaps_total', help: 'Detected (epoch, seq) gaps on a bus channel', labelNames: ['channel'] as const, registers,
    }),
    busUp: new Gauge({ name: 'chainfan_edge_bus_up', help: '1 while the bus connection is up', registers }),
    busState: new Gauge({
      name: 'chainfan_edge_bus_state', help: '1 for the bus connection\'s current state', labelNames: ['state'] as const, registers,
    }),
  };
}

export type EdgeMetrics = ReturnType<typeof createEdgeMetrics>;
