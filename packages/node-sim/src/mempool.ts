// The simulated mempool: insertion-ordered (so any prefix is a valid block template) with Core's mempool sequence.
import type { Transaction } from '@chainfan/chain';

export interface MempoolEntry {
  readonly tx: Transaction;
  readonly fee: bigint;
  /** Unix seconds at acceptance. */
  readonly time: number;
  /** Tip height at acceptance. */
  readonly height: number;
  /** txids of unconfirmed parents. */
  readonly depends: readonly string[];
}

export class Mempool {
  readonly #entries = new Map<string, MempoolEntry>();
  #bytes = 0;
  #sequence = 0n;

  /** Adds the entry and returns the mempool sequence Core would attach to its `A` notification. */
  add(entry: MempoolEntry): bigint {
    this.#entries.set(entry.tx.txid, entry);
    this.#bytes += entry.tx.vsize;
    return this.#sequence++;
  }

  /**
   * Re-adds txs of disconnected blocks ahead of every current entry (current entries may spend their outputs), each
   * with its own mempool sequence, as the node's reorg handling re-accepts them.
   */
  addFront(entries: readonly MempoolEntry[]): bigint[] {
    const rest = [...this.#entries.values()];
    this.#entries.clear();
    const sequences: bigint[] = [];
    for (const e of entries) {
      this.#entries.set(e.tx.txid, e);
      this.#bytes += e.tx.vsize;
      sequences.push(this.#sequence++);
    }
    for (const e of rest) this.#entries.set(e.tx.txid, e);
    return sequences;
  }

  /**
   * Removes entries that a block confirmed. Core bumps the mempool sequence for every removal, block inclusion included,
   * although it does not announce those (no `R` for block inclusion).
   */
  removeForBlock(txids: Iterable<string>): void {
    for (const txid of txids) {
      const e = this.#entries.get(txid);
      if (e === undefined) continue;
      this.#entries.delete(txid);
      this.#bytes -= e.tx.vsize;
      this.#sequence++;
    }
  }

  /** The oldest `max` entries, parents always before children. */
  template(max: number): MempoolEntry[] {
    const out: MempoolEntry[] = [];
    for (const e of this.#entries.values()) {
      if (out.length >= max) break;
      out.push(e);
    }
    return out;
  }

  get(txid: string): MempoolEntry | undefined {
    return this.#entries.get(txid);
  }

  entries(): IterableIterator<MempoolEntry> {
    return this.#entries.values();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Sum of vsizes, what getmempoolinfo reports as `bytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  get sequence(): bigint {
    return this.#sequence;
  }
}
