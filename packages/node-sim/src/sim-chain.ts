// The simulated node's state machine: wallets, coins, assets, mempool and chain; synchronous, deterministic, no I/O.
import { NETWORKS, type Network, type Transaction, type TxOutput } from '@chainfan/chain';
import { AssetRegistry } from './asset-registry.js';
import { assembleBlock, buildCoinbase, buildGenesisCoinbase } from './block-factory.js';
import { BURN_HASHES, COIN, type SimNetworkName } from './burn-addresses.js';
import { ChainStore, type BlockRecord } from './chain-store.js';
import { Mempool, type MempoolEntry } from './mempool.js';
import { pick, randomBigInt, type Random } from './random.js';
import { TxFactory, scriptForAddress, type BuiltTx, type IssueOptions, type TxKind } from './tx-factory.js';
import { UtxoSet } from './utxo-set.js';
import { deriveWallets, type Wallet } from './wallet.js';

/** Evrmore's consensus.baseReward and rewardReductionInterval (halving). */
const BASE_REWARD_SATS = 2_778n * COIN;
const HALVING_INTERVAL = 1_648_776;
/** Evrmore's genesis has version 4; later mainnet blocks signal 0x30000000. */
const GENESIS_VERSION = 4;
const BLOCK_VERSION = 0x30000000;
const AIRDROP_OUTPUTS_PER_WALLET = 4;

export interface SimChainOptions {
  readonly network: SimNetworkName;
  /** Derives the wallets' keys (independent of `random`, so addresses depend on the seed alone). */
  readonly seed: number;
  readonly random: Random;
  /** Milliseconds since the epoch; block and mempool times derive from it. */
  readonly now: () => number;
  readonly walletCount: number;
  readonly maxTxPerBlock: number;
  readonly coinbaseMaturity: number;
  readonly witnessCommitment: boolean;
  readonly bits: number;
  readonly feeRateSatsPerVbyte: readonly [number, number];
}

export interface AcceptedTx {
  readonly tx: Transaction;
  readonly kind: TxKind;
  readonly fee: bigint;
  /** The mempool sequence Core attaches to the `A` sequence notification. */
  readonly mempoolSequence: bigint;
}

/** A tx that left the mempool for a reason other than a block (Core announces those as sequence `R`). */
export interface EvictedTx {
  readonly tx: Transaction;
  /** The mempool sequence Core attaches to the `R` notification. */
  readonly mempoolSequence: bigint;
}

export interface ReorgOptions {
  readonly newLength?: number | undefined;
  readonly keepTxs?: boolean | undefined;
}

export interface ReorgResult {
  /** Old tip first. */
  readonly disconnected: readonly BlockRecord[];
  /** Fork point + 1 first; the last one is the new tip. */
  readonly connected: readonly BlockRecord[];
  /** Txs of the disconnected blocks that the new blocks did not take, back in the mempool (oldest first). */
  readonly readded: readonly AcceptedTx[];
}

export class SimChain {
  readonly network: Network;
  readonly networkName: SimNetworkName;
  readonly wallets: readonly Wallet[];
  readonly store = new ChainStore();
  readonly mempool = new Mempool();
  readonly assets = new AssetRegistry();
  readonly utxos = new UtxoSet();
  readonly #o: SimChainOptions;
  readonly #factory: TxFactory;
  /** Fee and kind of every tx ever accepted: a reorg re-mines txs whose spent coins are gone from the UTXO set. */
  readonly #accepted = new Map<string, { readonly fee: bigint; readonly kind: TxKind }>();
  /** Txs of disconnected blocks waiting for the replacement blocks, which take them before the mempool. */
  #returning: Transaction[] = [];

  constructor(o: SimChainOptions, genesisTime = Math.floor(o.now() / 1_000)) {
    const network = NETWORKS[o.network];
    this.#o = o;
    this.network = network;
    this.networkName = o.network;
    this.wallets = deriveWallets(o.seed, o.walletCount, network);
    this.#factory = new TxFactory({
      network, random: o.random, wallets: this.wallets, utxos: this.utxos, assets: this.assets, burn: BURN_HASHES[o.network],
      coinbaseMaturity: o.coinbaseMaturity, feeRateSatsPerVbyte: o.feeRateSatsPerVbyte, nextHeight: () => this.store.height + 1,
    });
    this.#connectGenesis(genesisTime);
  }

  /** Header format follows the network: 120-byte EVRPROGPOW on mainnet, 80-byte sha256d on test/regtest. */
  get headerFormat(): 80 | 120 {
    return this.network.headerFormat;
  }

  tip(): BlockRecord {
    return this.store.tip();
  }

  /** A random transaction (payment, asset transfer, issue or reissue), accepted to the mempool. */
  createTx(): AcceptedTx {
    return this.#accept(this.#factory.randomTx());
  }

  /** Pays `sats` to `address` from whichever simulated wallet can. */
  sendTo(address: string, sats: bigint): AcceptedTx {
    return this.#accept(this.#factory.payTo(scriptForAddress(address, this.network), sats));
  }

  /** Issues `name` (or a fresh name) with its owner token; `opts.to` receives both. */
  issueAsset(name?: string, opts: IssueOptions = {}): AcceptedTx {
    const built = this.#factory.issue(name, opts);
    if (built === undefined) throw new Error('unreachable: a named issue throws when it cannot be funded');
    return this.#accept(built);
  }

  /** Transfers `name` (or a random held asset) to `to` (or another wallet). */
  transferAsset(name?: string, to?: string, amount?: bigint): AcceptedTx | undefined {
    const built = this.#factory.transfer(name, to, amount);
    return built === undefined ? undefined : this.#accept(built);
  }

  /** Reissues `name` (or a random reissuable asset whose owner token a wallet holds). */
  reissueAsset(name?: string, amount?: bigint): AcceptedTx | undefined {
    const built = this.#factory.reissue(name, amount);
    return built === undefined ? undefined : this.#accept(built);
  }

  /**
   * Connects a block holding the oldest mempool txs (at most `maxTxPerBlock`) after a coinbase paying a random wallet
   * the reward plus fees. `time` defaults to now, kept above the median time past as consensus requires.
   */
  mineBlock(time?: number): BlockRecord {
    return this.#mine(time, true, 0);
  }

  /**
   * A block as a peer relays it to a node that is catching up: the mempool's txs as in `mineBlock`, then up to
   * `foreignTxs` txs this node never had in its mempool (no mempool entry, no mempool sequence). Foreign txs are only
   * added when the whole mempool fits in the block, since they may spend mempool outputs.
   */
  mineRelayedBlock(foreignTxs: number): BlockRecord {
    if (!Number.isInteger(foreignTxs) || foreignTxs < 0) throw new RangeError(`foreignTxs must be an integer >= 0, got ${foreignTxs}`);
    return this.#mine(undefined, true, foreignTxs);
  }

  /**
   * Evicts `txid` and its mempool descendants, as expiry or the size limit does (removal for any reason but a block).
   * The wallets forget the coins those txs spent (nothing is ever double-spent) and their outputs; an evicted issue
   * keeps its name taken. Parents first, each with its mempool sequence. RangeError when `txid` is not in the mempool.
   */
  evictTx(txid: string): EvictedTx[] {
    const removed = this.mempool.removeWithDescendants(txid);
    if (removed.length === 0) throw new RangeError(`${txid} is not in the mempool`);
    for (const { entry } of removed) {
      entry.tx.outputs.forEach((_o, vout) => {
        if (this.utxos.get(entry.tx.txid, vout) !== undefined) this.utxos.spend(entry.tx.txid, vout);
      });
    }
    return removed.map((r) => ({ tx: r.entry.tx, mempoolSequence: r.mempoolSequence }));
  }

  /** A node restart with mempool.dat: every mempool tx accepted anew (mempool order), mempool sequence from 1. */
  reloadMempool(): AcceptedTx[] {
    const entries = [...this.mempool.entries()];
    const sequences = this.mempool.reload();
    return entries.map((e, i) => ({
      tx: e.tx, kind: this.#accepted.get(e.tx.txid)?.kind ?? 'payment', fee: e.fee, mempoolSequence: sequences[i] as bigint,
    }));
  }

  /** `withTxs` false: a coinbase-only block, as small pools and a competing branch's miner often produce. */
  #mine(time: number | undefined, withTxs: boolean, foreignTxs: number): BlockRecord {
    const tip = this.store.tip();
    const height = tip.height + 1;
    const room = withTxs ? this.#o.maxTxPerBlock : 0;
    const returning = this.#returning.splice(0, room);
    const template: MempoolEntry[] = this.mempool.template(room - returning.length);
    const txs = [...returning, ...template.map((e) => e.tx)];
    if (template.length === this.mempool.size) {
      for (let n = Math.min(foreignTxs, room - txs.length); n > 0; n--) txs.push(this.#acceptForeign(this.#factory.randomTx()));
    }
    const fees = txs.reduce((s, t) => s + (this.#accepted.get(t.txid)?.fee ?? 0n), 0n);
    const reward = (BASE_REWARD_SATS >> BigInt(Math.floor(height / HALVING_INTERVAL))) + fees;
    const miner = pick(this.#o.random, this.wallets);
    const coinbase = buildCoinbase(this.#o.random, height, [{ value: reward, script: miner.script }], this.#o.witnessCommitment ? txs : undefined);
    const blockTime = Math.max(time ?? Math.floor(this.#o.now() / 1_000), tip.mediantime + 1);
    const block = assembleBlock(
      this.#o.random,
      this.network,
      { format: this.headerFormat, version: BLOCK_VERSION, prevHash: tip.hash, time: blockTime, bits: this.#o.bits, height },
      [coinbase, ...txs],
    );
    const rec = this.store.connect(block);
    this.mempool.removeForBlock(template.map((e) => e.tx.txid));
    this.utxos.add({ txid: coinbase.txid, vout: 0, value: reward, script: miner.script, owner: miner, asset: undefined, coinbaseHeight: height });
    return rec;
  }

  /**
   * Replaces the top `depth` blocks with `opts.newLength` (default depth + 1; must exceed depth so the new branch has
   * more work) fresh ones. With `opts.keepTxs` (default true) the new blocks confirm the disconnected blocks' txs first,
   * as a competing miner usually includes them, then the mempool; with false they are coinbase-only and every
   * disconnected tx goes back to the front of the mempool (confirmed txs become unconfirmed). Disconnected coinbases
   * vanish with their blocks, so a reorg whose coinbases were already spent throws before changing anything.
   */
  reorg(depth: number, opts: ReorgOptions = {}): ReorgResult {
    const newLength = opts.newLength ?? depth + 1;
    const keepTxs = opts.keepTxs ?? true;
    const tip = this.store.height;
    if (!Number.isInteger(depth) || depth < 1 || depth > tip) throw new RangeError(`reorg depth must be in [1, ${tip}]`);
    if (!Number.isInteger(newLength) || newLength <= depth) throw new RangeError('the new branch must be longer than the old one');
    for (let h = tip - depth + 1; h <= tip; h++) {
      const cb = (this.store.atHeight(h) as BlockRecord).block.txs[0] as Transaction;
      if (this.utxos.get(cb.txid, 0) === undefined) throw new RangeError(`the coinbase of block ${h} is already spent; reorg too deep`);
    }
    const disconnected: BlockRecord[] = [];
    for (let i = 0; i < depth; i++) {
      const rec = this.store.disconnectTip();
      this.utxos.spend((rec.block.txs[0] as Transaction).txid, 0);
      disconnected.push(rec);
    }
    this.#returning = [...disconnected].reverse().flatMap((r) => r.block.txs.slice(1));
    const connected: BlockRecord[] = [];
    for (let i = 0; i < newLength; i++) connected.push(this.#mine(undefined, keepTxs, 0));
    const left = this.#returning.splice(0);
    const now = Math.floor(this.#o.now() / 1_000);
    const inFront = new Set(left.map((t) => t.txid));
    const entries: MempoolEntry[] = left.map((tx) => ({
      tx, fee: this.#accepted.get(tx.txid)?.fee ?? 0n, time: now, height: this.store.height,
      depends: [...new Set(tx.inputs.map((i) => i.prevTxid))].filter((id) => inFront.has(id)),
    }));
    const sequences = this.mempool.addFront(entries);
    const readded = entries.map((e, i) => ({
      tx: e.tx, kind: this.#accepted.get(e.tx.txid)?.kind ?? 'payment', fee: e.fee, mempoolSequence: sequences[i] as bigint,
    }));
    return { disconnected, connected, readded };
  }

  /** A tx that arrives inside a block: known for its fee, never in the mempool. */
  #acceptForeign(built: BuiltTx): Transaction {
    this.#accepted.set(built.tx.txid, { fee: built.fee, kind: built.kind });
    return built.tx;
  }

  #accept(built: BuiltTx): AcceptedTx {
    this.#accepted.set(built.tx.txid, { fee: built.fee, kind: built.kind });
    const depends = [...new Set(built.tx.inputs.map((i) => i.prevTxid))].filter((txid) => this.mempool.get(txid) !== undefined);
    const mempoolSequence = this.mempool.add({
      tx: built.tx, fee: built.fee, time: Math.floor(this.#o.now() / 1_000), height: this.store.height, depends,
    });
    return { tx: built.tx, kind: built.kind, fee: built.fee, mempoolSequence };
  }

  /**
   * Genesis pays the base reward to wallet 0 plus an "airdrop" of a few outputs to every wallet (Evrmore's real genesis
   * carries a 50,003-output airdrop). Its outputs are spendable at once, so traffic can start at height 0.
   */
  #connectGenesis(time: number): void {
    const { random } = this.#o;
    const outputs: TxOutput[] = [{ value: BASE_REWARD_SATS, script: (this.wallets[0] as Wallet).script }];
    const owners: Wallet[] = [this.wallets[0] as Wallet];
    for (const w of this.wallets) {
      for (let i = 0; i < AIRDROP_OUTPUTS_PER_WALLET; i++) {
        outputs.push({ value: randomBigInt(random, 5_000n * COIN, 50_000n * COIN), script: w.script });
        owners.push(w);
      }
    }
    const coinbase = buildGenesisCoinbase(`chainfan node-sim genesis, seed ${this.#o.seed}`, outputs);
    const block = assembleBlock(
      random,
      this.network,
      { format: this.headerFormat, version: GENESIS_VERSION, prevHash: '0'.repeat(64), time, bits: this.#o.bits, height: 0 },
      [coinbase],
    );
    this.store.connect(block);
    outputs.forEach((o, vout) => {
      this.utxos.add({ txid: coinbase.txid, vout, value: o.value, script: o.script, owner: owners[vout] as Wallet, asset: undefined, coinbaseHeight: undefined });
    });
  }
}
