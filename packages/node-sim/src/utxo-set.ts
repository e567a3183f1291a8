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

export class UtxoSet {
  readonly #coins = new Map<string, Utxo>();
  readonly #byWallet = new Map<number, Map<string, Utxo>>();

  add(u: Utxo): void {
    const k = key(u.txid, u.vout);
    this.#coins.set(k, u);
    let mine = this.#byWallet.get(u.owner.index);
    if (mine === undefined) this.#byWallet.set(u.owner.index, (mine = new Map()));
    mine.set(k, u);
  }

  /** Removes and returns the coin; throws when it does not exist, since spending a missing coin is a generator bug. */
  spend(txid: string, vout: number): Utxo {
    const k = key(txid, vout);
    const u = this.#coins.get(k);
    if (u === undefined) throw new Error(`spend of unknown coin ${k}`);
    this.#coins.delete(k);
    this.#byWallet.get(u.owner.index)?.delete(k);
    return u;
  }

  get(txid: string, vout: number): Utxo | undefined {
    return this.#coins.get(key(txid, vout));
  }

  /** Plain EVR coins of `wallet` spendable in a block at `nextHeight` (coinbase coins need `maturity` confirmations). */
  spendableEvr(wallet: Wallet, nextHeight: number, maturity: number): Utxo[] {
    const out: Utxo[] = [];
    for (const u of this.#byWallet.get(wallet.index)?.values() ?? []) {
      if (u.asset !== undefined) continue;
      if (u.coinbaseHeight !== undefined && nextHeight - u.coinbaseHeight < maturity) continue;
      out.push(u);
    }
    return out;
  }

  assetCoins(wallet: Wallet): Utxo[] {
    const out: Utxo[] = [];
    for (const u of this.#byWallet.get(wallet.index)?.values() ?? []) if (u.asset !== undefined) out.push(u);
    return out;
  }

  /** Every asset coin of every wallet, in insertion order. */
  allAssetCoins(): Utxo[] {
    const out: Utxo[] = [];
    for (const u of this.#coins.values()) if (u.asset !== undefined) out.push(u);
    return out;
  }

  get size(): number {
    return this.#coins.size;
  }
}
