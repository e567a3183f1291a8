// Every metric the edge exports (STYLE.md rule 11): bounded labels only — channel, topic_kind, dialect, reason.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds; delivery spans one Redis hop plus the edge's fan-out, so most mass sits under 50 ms. */
const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const LIFETIME_BUCKETS = [1, 10, 60, 300, 1_800, 3_600, 21_600, 86_400];

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
    subscriptions: new Gauge({
      name: 'chainfan_edge_subscriptions', help: 'Active client subscriptions', labelNames: ['topic_kind'] as const, registers,
    }),
    messagesSent: new Counter({
      name: 'chainfan_edge_messages_sent_total', help: 'Event frames handed to sockets (one per subscribed socket)',
      labelNames: ['topic_kind', 'dialect'] as const, registers,
    }),
    bytesSent: new Counter({
      name: 'chainfan_edge_bytes_sent_total', help: 'Event frame bytes handed to sockets', labelNames: ['topic_kind', 'dialect'] as const, registers,
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
    busMessages: new Counter({
      name: 'chainfan_edge_bus_messages_total', help: 'Envelopes received from the bus', labelNames: ['channel'] as const, registers,
    }),
    busGaps: new Counter({
      name: 'chainfan_edge_bus_gaps_total', help: 'Detected (epoch, seq) gaps on a bus channel', labelNames: ['channel'] as const, registers,
    }),
    busUp: new Gauge({ name: 'chainfan_edge_bus_up', help: '1 while the bus connection is up', registers }),
  };
}

export type EdgeMetrics = ReturnType<typeof createEdgeMetrics>;
