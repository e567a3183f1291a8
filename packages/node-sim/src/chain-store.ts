// The simulated node's block index: active chain by height, blocks by hash, a tx index, and per-block derived stats.
import { chainworkForBits, type Block, type Transaction } from '@chainfan/chain';

export interface BlockRecord {
  readonly block: Block;
  readonly hash: string;
  readonly height: number;
  /** Cumulative work up to and including this block. */
  readonly chainwork: bigint;
  /** Median of the last 11 block times ending here (BIP113's median time past). */
  readonly mediantime: number;
}

export interface TxLocation {
  readonly tx: Transaction;
  readonly blockHash: string;
}

const MEDIAN_TIME_SPAN = 11;

export class ChainStore {
  readonly #active: BlockRecord[] = [];
  readonly #byHash = new Map<string, BlockRecord>();
  readonly #txIndex = new Map<string, TxLocation>();
  #bytes = 0;

  /** Appends `block` to the active chain. Throws if it does not build on the tip (a bug in the generator). */
  connect(block: Block): BlockRecord {
    const prev = this.#active[this.#active.length - 1];
    if (prev !== undefined && block.header.prevHash !== prev.hash) {
      throw new Error(`block ${block.header.hash} does not extend tip ${prev.hash}`);
    }
    const height = this.#active.length;
    const times = [block.header.time];
    for (let h = height - 1; h >= 0 && times.length < MEDIAN_TIME_SPAN; h--) times.push((this.#active[h] as BlockRecord).block.header.time);
    times.sort((a, b) => a - b);
    const rec: BlockRecord = {
      block,
      hash: block.header.hash,
      height,
      chainwork: (prev?.chainwork ?? 0n) + chainworkForBits(block.header.bits),
      mediantime: times[Math.floor(times.length / 2)] as number,
    };
    this.#active.push(rec);
    this.#byHash.set(rec.hash, rec);
    this.#bytes += block.size;
    for (const tx of block.txs) this.#txIndex.set(tx.txid, { tx, blockHash: rec.hash });
    return rec;
  }

  /** Serialized size of every connected block (what the node would hold on disk, roughly). */
  get totalBytes(): number {
    return this.#bytes;
  }

  /**
   * Removes the tip from the active chain (a reorg). The block stays known by hash and reports confirmations -1; its
   * txs keep pointing at it until a connected block holds them again.
   */
  disconnectTip(): BlockRecord {
    if (this.#active.length <= 1) throw new Error('cannot disconnect the genesis block');
    return this.#active.pop() as BlockRecord;
  }

  get height(): number {
    return this.#active.length - 1;
  }

  tip(): BlockRecord {
    const tip = this.#active[this.#active.length - 1];
    if (tip === undefined) throw new Error('chain has no genesis');
    return tip;
  }

  atHeight(height: number): BlockRecord | undefined {
    return this.#active[height];
  }

  byHash(hash: string): BlockRecord | undefined {
    return this.#byHash.get(hash);
  }

  /** True when `rec` is on the active chain (blocks off it report confirmations -1). */
  isActive(rec: BlockRecord): boolean {
    return this.#active[rec.height] === rec;
  }

  confirmations(rec: BlockRecord): number {
    return this.isActive(rec) ? this.height - rec.height + 1 : -1;
  }

  tx(txid: string): TxLocation | undefined {
    return this.#txIndex.get(txid);
  }
}
