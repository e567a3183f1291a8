// Envelopes about the chain rather than one block: reorgs, transaction status changes, confirmation depths.
import type { OutgoingEnvelope } from '@chainfan/protocol';

export interface ReorgInfo {
  readonly forkHeight: number;
  readonly forkHash: string;
  /** tip first, as they were disconnected */
  readonly disconnected: readonly string[];
  /** ascending, as they will be connected */
  readonly connected: readonly string[];
}

export function reorgEnvelope(r: ReorgInfo, ts: number): OutgoingEnvelope {
  return {
    channel: 'chain',
    kind: 'reorg',
    ts,
    body: JSON.stringify({ fork_height: r.forkHeight, fork_hash: r.forkHash, depth: r.disconnected.length, disconnected: r.disconnected, connected: r.connected }),
  };
}

export type TxStatus =
  | { readonly status: 'confirmed'; readonly confirmations: number; readonly blockhash: string; readonly height: number }
  | { readonly status: 'mempool'; readonly reason: 'reorg' }
  | { readonly status: 'dropped'; readonly reason: 'reorg' }
  | { readonly status: 'removed'; readonly reason: 'node' };

/** One `tx:<txid>` status event; `confirmations: 1` is the mempool → confirmed change. */
export function txStatusEnvelope(txid: string, s: TxStatus, ts: number): OutgoingEnvelope {
  return { channel: 'status', kind: 'tx_status', ts, keys: { tx: txid }, body: JSON.stringify({ txid, ...s }) };
}

/** After each connected block: the blocks that now have 1..N confirmations, for "k confirmations" subscriptions. */
export function depthEnvelope(tip: { height: number; hash: string }, blocks: readonly { height: number; hash: string }[], ts: number): OutgoingEnvelope {
  return {
    channel: 'chain',
    kind: 'confirmations',
    ts,
    body: JSON.stringify({ tip_height: tip.height, tip_hash: tip.hash, blocks: blocks.map((b) => ({ height: b.height, hash: b.hash, confirmations: tip.height - b.height + 1 })) }),
  };
}
