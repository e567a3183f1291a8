// The generator's coins: every output a simulated wallet owns, spendable or not yet mature, confirmed or in the mempool.
import type { Wallet } from './wallet.js';

export interface HeldAsset {
  readonly name: string;
  /** In 1e-8 units whatever the asset's `units` (owner tokens hold 1_0000_0000). */
  readonly amount: bigint;
}

export interface Utxo {
  readonly txid: string;
  readonly vout: number;
  /** EVR value in satoshis (0 for asset outputs). */
  readonly value: bigint;
  readonly script: Uint8Array;
  readonly owner: Wallet;
  readonly asset: HeldAsset | undefined;
  /** Height of the coinbase that created it; such coins wait for coinbase maturity. */
  readonly coinbaseHeight: number | undefined;
}

const key = (txid: string, vout: number): string => `${txid}:${vout}`;

/** Coins indexed by outpoint, and per wallet split into EVR and asset coins (the generator's two kinds of lookups). */
export class UtxoSet {
  readonly #coins = new Map<string, Utxo>();
  readonly #evr = new Map<number, Map<string, Utxo>>();
  readonly #assets = new Map<number, Map<string, Utxo>>();
  #assetCount = 0;

  add(u: Utxo): void {
    const k = key(u.txid, u.vout);
    this.#coins.set(k, u);
    const index = u.asset === undefined ? this.#evr : this.#assets;
    let mine = index.get(u.owner.index);
    if (mine === undefined) index.set(u.owner.index, (mine = new Map()));
    mine.set(k, u);
    if (u.asset !== undefined) this.#assetCount++;
  }

  /** Removes and returns the coin; throws when it does not exist, since spending a missing coin is a generator bug. */
  spend(txid: string, vout: number): Utxo {
    const k = key(txid, vout);
    const u = this.#coins.get(k);
    if (u === undefined) throw new Error(`spend of unknown coin ${k}`);
    this.#coins.delete(k);
    (u.asset === undefined ? this.#evr : this.#assets).get(u.owner.index)?.delete(k);
    if (u.asset !== undefined) this.#assetCount--;
    return u;
  }

  get(txid: string, vout: number): Utxo | undefined {
    return this.#coins.get(key(txid, vout));
  }

  /** Plain EVR coins of `wallet` spendable in a block at `nextHeight` (coinbase coins need `maturity` confirmations). */
  spendableEvr(wallet: Wallet, nextHeight: number, maturity: number): Utxo[] {
    const out: Utxo[] = [];
    for (const u of this.#evr.get(wallet.index)?.values() ?? []) {
      if (u.coinbaseHeight !== undefined && nextHeight - u.coinbaseHeight < maturity) continue;
      out.push(u);
    }
    return out;
  }

  assetCoins(wallet: Wallet): Utxo[] {
    return [...(this.#assets.get(wallet.index)?.values() ?? [])];
  }

  get assetCoinCount(): number {
    return this.#assetCount;
  }

  get size(): number {
    return this.#coins.size;
  }
}
