// Asset movements as they get mined: remembers the ingestor's `asset` events (seen at mempool time, no height) until
// the transaction's first confirmation arrives as a `tx_status` event (with height and block), then hands them out
// once. The Block's `receipts` and Rustorium's `state_update` are built from these.
import type { Envelope } from '../envelope.js';
import { BoundedMap, type JsonObject, num, numOrNull, parseBody, str } from './json-frame.js';

export interface ConfirmedAssetMove {
  readonly txid: string;
  readonly asset: string;
  readonly amount: number;
  /** 'transfer' | 'new' | 'reissue' | 'owner' … as the ingestor named it */
  readonly type: string;
  readonly vout: number;
  /** where the asset went (the output's address), when the script shows one */
  readonly address: string | null;
  /** where it came from: the address spending the transaction's first input, when its script shows one */
  readonly from: string | null;
  readonly height: number;
  readonly blockhash: string;
  /** ingest time of the confirmation, ms */
  readonly ts: number;
}

type PendingMove = Omit<ConfirmedAssetMove, 'height' | 'blockhash' | 'ts'>;

const NONE: readonly ConfirmedAssetMove[] = [];

function pendingMove(b: JsonObject): PendingMove | undefined {
  const { txid, asset } = b;
  if (typeof txid !== 'string' || typeof asset !== 'string') return undefined;
  const address = b['address'];
  const from = b['from'];
  return {
    txid, asset, amount: num(b['amount'], 0), type: str(b['type'], 'transfer'), vout: num(b['vout'], 0),
    address: typeof address === 'string' ? address : null, from: typeof from === 'string' ? from : null,
  };
}

export class AssetConfirmations {
  /** txid → its asset outputs, waiting for the first confirmation; the oldest are forgotten past the bound */
  readonly #pending: BoundedMap<string, PendingMove[]>;

  constructor(maxPendingTxs = 10_000) {
    this.#pending = new BoundedMap(maxPendingTxs);
  }

  get pendingTxs(): number {
    return this.#pending.size;
  }

  /** Feed every envelope of the `assets` and `status` channels; returns what this one confirmed (usually nothing). */
  add(env: Envelope): readonly ConfirmedAssetMove[] {
    if (env.channel === 'assets' && env.kind === 'asset') {
      const b = parseBody(env.body);
      const m = b === undefined ? undefined : pendingMove(b);
      if (m === undefined) return NONE;
      const list = this.#pending.get(m.txid);
      if (list === undefined) this.#pending.set(m.txid, [m]);
      else if (!list.some((x) => x.vout === m.vout)) list.push(m);
      return NONE;
    }
    if (env.channel !== 'status' || env.kind !== 'tx_status') return NONE;
    const txid = env.keys.tx;
    // most status events are about transactions without assets: decided from the routing key, body unread
    if (typeof txid !== 'string') return NONE;
    const list = this.#pending.get(txid);
    if (list === undefined) return NONE;
    const b = parseBody(env.body);
    if (b === undefined) return NONE;
    if (b['status'] === 'confirmed' && b['confirmations'] === 1) {
      this.#pending.delete(txid);
      const height = numOrNull(b['height']);
      if (height === null) return NONE;
      const blockhash = str(b['blockhash'], '');
      return list.map((m) => ({ ...m, height, blockhash, ts: env.ts }));
    }
    if (b['status'] === 'dropped' || b['status'] === 'removed') this.#pending.delete(txid);
    return NONE;
  }
}
