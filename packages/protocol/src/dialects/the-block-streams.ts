// The Block's four streams mapped onto chain data (decision record 0009): `network_metrics` and `peers` from the
// ingestor's canonical `network`/`peers` summaries; `receipts` = asset transfers confirmed in a block, batched every
// 3 s; `markets_health` = The Block's four markets, each mapped onto the chain service that plays its part on
// Evrmore (compute: block production, storage: the mempool, energy: peer connectivity, ads: transaction relay).
import type { Envelope } from '../envelope.js';
import { builtinTopic, type Topic } from '../topics.js';
import { AssetConfirmations, type ConfirmedAssetMove } from './asset-confirmations.js';
import type { DerivedOutput, DerivedState, DerivedStream } from './dialect.js';
import { type JsonObject, num, numOrNull, parseBody, str, unixSeconds } from './json-frame.js';

/** Bitcoin Core's default count of outbound full-relay peers: a node with this many is as connected as it gets. */
const FULL_STRENGTH_CONNECTIONS = 8;
/** Evrmore's block target spacing, s: the finality estimate before two blocks were seen. */
const TARGET_BLOCK_SECONDS = 60;
/** A mempool this full is congested. */
const CONGESTED_MEMPOOL_TXS = 50_000;
/** Summaries older than this say nothing about the present: every market is `unknown`. */
const STALE_SUMMARY_MS = 30_000;
/** Receipts per message; more in one window go out in several messages. */
const MAX_RECEIPTS_PER_MESSAGE = 500;
/** Receipts kept between flushes; beyond it the oldest go (3 s of more than 10,000 asset transfers is far beyond any Evrmore block). */
const MAX_PENDING_RECEIPTS = 10_000;

const topic = builtinTopic;

/** canonical `network` body → The Block's `network_metrics.data` */
export function networkMetrics(n: JsonObject): Record<string, number> {
  const connections = num(n['connections'], 0);
  return {
    network_strength: Math.round(100 * Math.min(1, connections / FULL_STRENGTH_CONNECTIONS)),
    block_height: num(n['height'], 0),
    finality_time: Math.round(numOrNull(n['block_interval_s']) ?? TARGET_BLOCK_SECONDS),
    peer_count: connections,
    tps: num(n['tps'], 0),
    bandwidth_in: num(n['bandwidth_in'], 0),
    bandwidth_out: num(n['bandwidth_out'], 0),
    active_connections: connections,
  };
}

/** canonical `peers` body → The Block's `peers.data` */
export function peersData(p: JsonObject): { peers: Record<string, unknown>[]; total: number } {
  const list = Array.isArray(p['peers']) ? (p['peers'] as unknown[]) : [];
  const peers = list.filter((x): x is JsonObject => typeof x === 'object' && x !== null).map((x) => ({
    id: `peer_${String(x['id'] ?? '')}`,
    address: str(x['addr'], ''),
    // whole milliseconds, as documented; null while the node has not measured the peer yet
    latency_ms: ((ms: number | null) => (ms === null ? null : Math.round(ms)))(numOrNull(x['ping_ms'])),
    // proof of work has no validator set: every full node validates blocks, and peers that relay them say so
    is_validator: numOrNull(x['synced_blocks']) !== null && num(x['synced_blocks'], -1) >= 0,
  }));
  return { peers, total: num(p['total'], peers.length) };
}

function receipt(m: ConfirmedAssetMove): Record<string, unknown> {
  return {
    id: `${m.txid}:${m.vout}`,
    market: m.asset,
    block_height: m.height,
    timestamp: unixSeconds(m.ts),
    // provider: the side the asset came from (the spender's address); consumer: the side it went to
    provider: m.from ?? m.address ?? '',
    consumer: m.address ?? '',
    amount: m.amount,
  };
}

class ReceiptsState implements DerivedState {
  readonly #moves = new AssetConfirmations();
  #pending: Record<string, unknown>[] = [];

  add(env: Envelope): void {
    for (const m of this.#moves.add(env)) {
      this.#pending.push(receipt(m));
      if (this.#pending.length > MAX_PENDING_RECEIPTS) this.#pending.shift();
    }
  }

  /** "new receipts only": nothing is sent for a window without any */
  flush(nowMs: number, out: DerivedOutput): void {
    if (this.#pending.length === 0 || !out.wants('')) return;
    const all = this.#pending;
    this.#pending = [];
    for (let i = 0; i < all.length; i += MAX_RECEIPTS_PER_MESSAGE) {
      const receipts = all.slice(i, i + MAX_RECEIPTS_PER_MESSAGE);
      out.emit('', JSON.stringify({ type: 'receipts', data: { receipts, count: receipts.length }, timestamp: unixSeconds(nowMs) }));
    }
  }
}

type Status = 'healthy' | 'degraded' | 'down' | 'unknown';

interface Market {
  readonly status: Status;
  readonly active_jobs: number;
  readonly total_providers: number;
}

/** The documented markets, in the documented order. */
export const THE_BLOCK_MARKETS = ['compute', 'storage', 'energy', 'ads'] as const;

/**
 * The health table (docs/dialects.md): The Block's four markets, each the chain service that does its job on Evrmore,
 * from the latest summaries. compute: block production (proof of work); storage: the mempool holding transactions
 * for the next block; energy: the peer connections everything runs on; ads: transaction relay (announcing).
 */
export function marketsHealth(n: JsonObject | undefined, peersTotal: number | undefined, fresh: boolean): Record<string, unknown> {
  const connections = num(n?.['connections'], 0);
  const mempool = num(n?.['mempool_size'], 0);
  const interval = numOrNull(n?.['block_interval_s']);
  const known = n !== undefined && fresh;
  const connected: Status = !known ? 'unknown' : connections > 0 ? 'healthy' : 'down';
  const markets: Record<(typeof THE_BLOCK_MARKETS)[number], Market> = {
    compute: {
      status: !known || interval === null ? 'unknown' : interval <= 3 * TARGET_BLOCK_SECONDS ? 'healthy' : 'degraded',
      active_jobs: num(n?.['height'], 0),
      total_providers: connections,
    },
    storage: { status: !known ? 'unknown' : mempool < CONGESTED_MEMPOOL_TXS ? 'healthy' : 'degraded', active_jobs: mempool, total_providers: connections },
    energy: { status: connected, active_jobs: connections, total_providers: peersTotal ?? connections },
    // transactions announced to peers over the last minute
    ads: { status: connected, active_jobs: Math.round(num(n?.['tps'], 0) * 60), total_providers: connections },
  };
  const all = Object.values(markets);
  const healthy = all.filter((m) => m.status === 'healthy').length;
  const overall: Status = healthy === all.length ? 'healthy' : all.some((m) => m.status === 'down') ? 'down' : all.every((m) => m.status === 'unknown') ? 'unknown' : 'degraded';
  return { overall_status: overall, markets, healthy_markets: healthy, total_markets: all.length };
}

class MarketsState implements DerivedState {
  #network: JsonObject | undefined;
  #networkTs = 0;
  #peersTotal: number | undefined;

  add(env: Envelope): void {
    if (env.kind === 'network') {
      const b = parseBody(env.body);
      if (b === undefined) return;
      this.#network = b;
      this.#networkTs = env.ts;
    } else if (env.kind === 'peers') {
      const b = parseBody(env.body);
      if (b !== undefined) this.#peersTotal = num(b['total'], 0);
    }
  }

  flush(nowMs: number, out: DerivedOutput): void {
    if (this.#network === undefined || !out.wants('')) return; // nothing known yet: no claim about health
    const data = marketsHealth(this.#network, this.#peersTotal, nowMs - this.#networkTs <= STALE_SUMMARY_MS);
    out.emit('', JSON.stringify({ type: 'markets_health', data, timestamp: unixSeconds(nowMs) }));
  }
}

export const RECEIPTS_STREAM: DerivedStream = Object.freeze<DerivedStream>({
  name: 'receipts',
  channels: ['assets', 'status'],
  aclTopics: [topic('assets')],
  intervalMs: 3_000,
  create: () => new ReceiptsState(),
});

export const MARKETS_HEALTH_STREAM: DerivedStream = Object.freeze<DerivedStream>({
  name: 'markets_health',
  channels: ['ctl'],
  aclTopics: [topic('network'), topic('peers')],
  intervalMs: 5_000,
  create: () => new MarketsState(),
});

export const NETWORK_TOPIC = topic('network');
export const PEERS_TOPIC = topic('peers');
