// Numbers the charts and the feed derive from raw events: per-block network metrics, and what a transaction moves.
import type { AssetData, BlockData, TransactionData } from '@chainfan/client';

export interface BlockPoint {
  readonly height: number;
  /** seconds since the previous block by header time; negative header steps (allowed by consensus) count as 0 */
  readonly intervalS: number;
  /** non-coinbase transactions per second of that interval (an interval under 1 s counts as 1 s) */
  readonly txPerS: number;
  readonly difficulty: number;
}

export interface NetworkSummary {
  readonly points: readonly BlockPoint[];
  /** mean over the points, NaN without any */
  readonly meanIntervalS: number;
  /** all transactions of the window over its whole time span */
  readonly txPerS: number;
  readonly difficulty: number;
}

/** evrmore-rpc sends `difficulty` as a string (Decimal); other servers send a number. */
export function difficultyOf(b: BlockData): number {
  return typeof b.difficulty === 'number' ? b.difficulty : Number(b.difficulty);
}

/**
 * Metrics from blocks newest first (as the hook keeps them), oldest first in the result. Only consecutive heights
 * pair up: after a gap, a reorg or a restarted chain the next block starts a new series instead of a bogus interval.
 */
export function networkSummary(newestFirst: readonly BlockData[]): NetworkSummary {
  const blocks = [...newestFirst].reverse();
  const points: BlockPoint[] = [];
  let txs = 0;
  let span = 0;
  for (let i = 1; i < blocks.length; i++) {
    const prev = blocks[i - 1]!;
    const b = blocks[i]!;
    if (b.height !== prev.height + 1) continue;
    const intervalS = Math.max(0, b.time - prev.time);
    const n = Math.max(0, (b.tx?.length ?? 1) - 1);
    points.push({ height: b.height, intervalS, txPerS: n / Math.max(1, intervalS), difficulty: difficultyOf(b) });
    txs += n;
    span += Math.max(1, intervalS);
  }
  const newest = newestFirst[0];
  return {
    points,
    meanIntervalS: points.length === 0 ? Number.NaN : points.reduce((a, p) => a + p.intervalS, 0) / points.length,
    txPerS: span === 0 ? Number.NaN : txs / span,
    difficulty: newest === undefined ? Number.NaN : difficultyOf(newest),
  };
}

export interface AssetMove {
  readonly name: string;
  readonly amount: number;
  /** 'transfer' | 'new' | 'reissue' | 'owner', or the output's script type when only the transaction told us */
  readonly kind: string;
  readonly address: string | undefined;
}

const SCRIPT_KIND: Readonly<Record<string, string>> = { transfer_asset: 'transfer', new_asset: 'new', reissue_asset: 'reissue' };

/** Asset movements of a transaction: the `assets` topic's events when present, else its own asset outputs. */
export function assetMoves(tx: TransactionData, events: readonly AssetData[] = []): AssetMove[] {
  if (events.length > 0) return events.map((e) => ({ name: e.asset, amount: e.amount, kind: e.type, address: e.address ?? undefined }));
  const out: AssetMove[] = [];
  for (const v of tx.vout ?? []) {
    const a = v.scriptPubKey?.asset;
    if (a === undefined) continue;
    const kind = SCRIPT_KIND[v.scriptPubKey.type] ?? v.scriptPubKey.type;
    out.push({ name: a.name, amount: a.amount, kind: kind === 'new' && a.name.endsWith('!') ? 'owner' : kind, address: v.scriptPubKey.addresses?.[0] });
  }
  return out;
}

/** EVR paid to outputs (asset outputs carry 0). */
export function totalOut(tx: TransactionData): number {
  return (tx.vout ?? []).reduce((a, v) => a + (Number.isFinite(v.value) ? v.value : 0), 0);
}

/** EVR paid to `address` by this transaction, and whether the address appears among the outputs at all. */
export function receivedBy(tx: TransactionData, address: string): { readonly amount: number; readonly listed: boolean } {
  let amount = 0;
  let listed = false;
  for (const v of tx.vout ?? []) {
    if (!v.scriptPubKey?.addresses?.includes(address)) continue;
    listed = true;
    amount += v.value;
  }
  return { amount, listed };
}

/** The first output address: something a user can click to watch. */
export function firstAddress(tx: TransactionData): string | undefined {
  for (const v of tx.vout ?? []) {
    const a = v.scriptPubKey?.addresses?.[0];
    if (a !== undefined) return a;
  }
  return undefined;
}
