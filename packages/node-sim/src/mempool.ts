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

/** Core's CTxMemPool::m_sequence_number starts at 1 in every new mempool. */
const FIRST_SEQUENCE = 1n;

export interface RemovedEntry {
  readonly entry: MempoolEntry;
  /** The mempool sequence Core attaches to the `R` notification. */
  readonly mempoolSequence: bigint;
}

export class Mempool {
  readonly #entries = new Map<string, MempoolEntry>();
  #bytes = 0;
  #sequence = FIRST_SEQUENCE;

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

  /**
   * Removes `txid` and every mempool descendant (Core's removeRecursive, as expiry and the size limit do), in mempool
   * order, so parents come first. Each removal takes a mempool sequence. Empty when `txid` is not in the mempool.
   */
  removeWithDescendants(txid: string): RemovedEntry[] {
    const doomed = new Set<string>();
    if (this.#entries.has(txid)) doomed.add(txid);
    // Insertion order puts children after parents, so one pass finds every descendant. Inputs, not `depends`: after a
    // reorg, txs back from disconnected blocks are parents that older entries' `depends` never listed.
    for (const e of this.#entries.values()) if (e.tx.inputs.some((i) => doomed.has(i.prevTxid))) doomed.add(e.tx.txid);
    const removed: RemovedEntry[] = [];
    for (const e of [...this.#entries.values()]) {
      if (!doomed.has(e.tx.txid)) continue;
      this.#entries.delete(e.tx.txid);
      this.#bytes -= e.tx.vsize;
      removed.push({ entry: e, mempoolSequence: this.#sequence++ });
    }
    return removed;
  }

  /**
   * A node restart loading mempool.dat: the sequence starts again at 1 and every entry is accepted anew, in mempool
   * order. Returns each entry's new mempool sequence, in that order.
   */
  reload(): bigint[] {
    this.#sequence = FIRST_SEQUENCE;
    return [...this.#entries.values()].map(() => this.#sequence++);
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

  /** The mempool sequence the next addition or removal takes (what getrawmempool's `mempool_sequence` reports). */
  get sequence(): bigint {
    return this.#sequence;
  }
}
