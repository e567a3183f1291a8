// Periodic node summaries for the `network` and `peers` topics, in chainfan's canonical shape; dialects map them
// to their own (e.g. The Block's network_metrics and peers streams).
import type { OutgoingEnvelope } from '@chainfan/protocol';

export interface NetworkSummary {
  readonly height: number;
  readonly best_block_hash: string;
  readonly difficulty: number;
  readonly connections: number;
  readonly mempool_size: number;
  readonly mempool_bytes: number;
  /** new transactions per second over the last minute, as published */
  readonly tps: number;
  /** mean seconds between the last blocks, from their header times */
  readonly block_interval_s: number | null;
  readonly network: string;
  readonly subversion: string;
  /** the node's traffic, bytes per second, between the last two getnettotals; null until known */
  readonly bandwidth_in: number | null;
  readonly bandwidth_out: number | null;
}

export interface PeerSummary {
  readonly id: number;
  readonly addr: string;
  readonly inbound: boolean;
  readonly ping_ms: number | null;
  readonly subver: string;
  readonly synced_blocks: number | null;
}

export function networkEnvelope(s: NetworkSummary, ts: number): OutgoingEnvelope {
  return { channel: 'ctl', kind: 'network', ts, body: JSON.stringify(s) };
}

export function peersEnvelope(peers: readonly PeerSummary[], ts: number): OutgoingEnvelope {
  return { channel: 'ctl', kind: 'peers', ts, body: JSON.stringify({ peers, total: peers.length }) };
}

/** Total over a getpeerinfo reply: unknown shapes become empty fields, never exceptions. */
export function peersFromRpc(reply: unknown): PeerSummary[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((p: Record<string, unknown>, i) => ({
    id: typeof p['id'] === 'number' ? p['id'] : i,
    addr: typeof p['addr'] === 'string' ? p['addr'] : '',
    inbound: p['inbound'] === true,
    ping_ms: typeof p['pingtime'] === 'number' ? Math.round(p['pingtime'] * 1000) : null,
    subver: typeof p['subver'] === 'string' ? p['subver'] : '',
    synced_blocks: typeof p['synced_blocks'] === 'number' ? p['synced_blocks'] : null,
  }));
}
