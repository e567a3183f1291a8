// NodeSim: the simulated Evrmore node — SimChain state + ZMQ notifications in node order + JSON-RPC, on timers or by hand.
import { hexToBytes, type Block, type Transaction } from '@chainfan/chain';
import { ChainfanError } from '@chainfan/protocol';
import { systemClock, type Cancel } from './clock.js';
import type { BlockRecord } from './chain-store.js';
import { resolveNodeSimOptions, type NodeSimOptions, type ResolvedNodeSimOptions } from './options.js';
import { createSimChain } from './in-process-node.js';
import { poissonDelayMs, randomInt, seededRandom, type Random } from './random.js';
import { createRpcDispatch, type FakePeer } from './rpc-methods.js';
import { RpcServer, type RpcDispatch } from './rpc-server.js';
import { SimChain, type AcceptedTx, type ReorgOptions } from './sim-chain.js';
import { StallGate } from './stall-gate.js';
import type { IssueOptions } from './tx-factory.js';
import type { Wallet } from './wallet.js';
import { ZmqNotifier, type ZmqTopic } from './zmq-notifier.js';

export interface NodeSimEndpoints {
  /** Concrete `tcp://host:port` of the ZMQ publisher. */
  readonly zmqEndpoint: string;
  /** `http://host:port/` of the JSON-RPC server (credentials not included). */
  readonly rpcUrl: string;
}

export interface NodeSimReorg {
  /** Old tip first. */
  readonly disconnected: readonly Block[];
  /** Fork point + 1 first; the last one is the new tip. */
  readonly connected: readonly Block[];
}

export interface BurstOptions {
  /**
   * Txs per block that the node first sees inside the block (relayed while it was behind), so none has a mempool
   * announcement of its own. Added only while the whole mempool fits in the block. Default 0.
   */
  readonly foreignTxsPerBlock?: number;
}

export interface RestartOptions {
  /** Time ZMQ and RPC stay closed (connections refused), on the injected clock. Default the `restartDowntimeMs` option. */
  readonly downtimeMs?: number;
}

type State = 'new' | 'starting' | 'running' | 'closed';

const SEQUENCE_LABEL = { connected: 0x43, disconnected: 0x44, added: 0x41, removed: 0x52 } as const; // 'C' 'D' 'A' 'R'
const MAX_BURST_BLOCKS = 100_000;

export class NodeSim {
  readonly #o: ResolvedNodeSimOptions;
  readonly #chain: SimChain;
  readonly #dispatch: RpcDispatch;
  readonly #topics: readonly ZmqTopic[];
  /** Drives the timers only, so how often they fire never changes what the chain generator draws. */
  readonly #timingRandom: Random;
  readonly #zmqStall: StallGate;
  readonly #rpcStall: StallGate;
  #zmqDropFraction: number;
  #zmq: ZmqNotifier;
  #rpc: RpcServer;
  #state: State = 'new';
  #startedAtMs: number;
  #starting: Promise<NodeSimEndpoints> | undefined;
  #endpoints: NodeSimEndpoints | undefined;
  /** Ends a restart's downtime early (close() during a restart). */
  #endDowntime: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  #cancelBlockTimer: Cancel | undefined;
  #cancelTxTimer: Cancel | undefined;

  constructor(options: NodeSimOptions = {}) {
    const clock = options.clock ?? systemClock;
    const onError = options.onError ?? ((err: unknown) => process.emitWarning(err instanceof Error ? err : new Error(String(err))));
    this.#o = resolveNodeSimOptions(options, clock, onError);
    const o = this.#o;
    const random = o.random ?? seededRandom(o.seed);
    this.#timingRandom = seededRandom(o.seed ^ 0x5eed_71e5);
    const nowSec = Math.floor(clock.now() / 1_000);
    this.#chain = createSimChain(o, clock, random);
    const topics: ZmqTopic[] = [...o.zmqTopics];
    if (o.zmqSequence && !topics.includes('sequence')) topics.push('sequence');
    this.#topics = topics;
    this.#startedAtMs = clock.now();
    this.#dispatch = createRpcDispatch({
      chain: this.#chain, now: () => clock.now(), startedAtMs: () => this.#startedAtMs, peers: fakePeers(this.#timingRandom, o.peers, nowSec),
      coreMempoolSequence: topics.includes('sequence'),
    });
    this.#zmqStall = new StallGate(clock);
    this.#rpcStall = new StallGate(clock);
    this.#zmqDropFraction = o.zmqDropFraction;
    this.#zmq = this.#newNotifier(o.zmqEndpoint);
    this.#rpc = this.#newRpcServer(o.rpcPort);
  }

  /**
   * Binds ZMQ and RPC, then starts the block and tx timers (those enabled). Idempotent: a second call returns the
   * first call's promise. Rejects if a port is taken; the instance is then unusable and should be closed.
   */
  start(): Promise<NodeSimEndpoints> {
    this.#starting ??= (async () => {
      if (this.#state === 'closed') throw closedError();
      this.#state = 'starting';
      return this.#bindAndRun();
    })();
    return this.#starting;
  }

  /**
   * Idempotent. Shutdown order: timers off, then queued ZMQ notifications flushed and the socket closed, then the RPC
   * server closed (open keep-alive connections dropped).
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#state = 'closed';
      this.#stopTimers();
      this.#endStalls();
      this.#endDowntime?.();
      await Promise.allSettled([this.#zmq.close(), this.#rpc.close()]);
    })();
    return this.#closing;
  }

  /** Same as `close()`. */
  stop(): Promise<void> {
    return this.close();
  }

  /**
   * A node restart: timers stop, stalls end, ZMQ and RPC close, stay closed for `downtimeMs` (connections refused) and
   * come back on the same ports. The chain survives (on disk) and so does the mempool (mempool.dat), but loading it
   * accepts every tx anew: hashtx, rawtx and sequence `A` again for each, mempool sequence from 1. ZMQ counters restart
   * at 0 (they live only in the node's memory), so the reloaded txs take the first values. Resolves once those
   * notifications are sent; methods called meanwhile reject with CHAINFAN_BUS_CLOSED.
   */
  async restart(opts: RestartOptions = {}): Promise<NodeSimEndpoints> {
    this.#assertRunning();
    const downtimeMs = opts.downtimeMs ?? this.#o.restartDowntimeMs;
    if (!Number.isInteger(downtimeMs) || downtimeMs < 0) throw new RangeError(`downtimeMs must be an integer >= 0, got ${downtimeMs}`);
    const before = this.#endpoints as NodeSimEndpoints;
    this.#state = 'starting';
    this.#stopTimers();
    this.#endStalls();
    await Promise.allSettled([this.#zmq.close(), this.#rpc.close()]);
    if (downtimeMs > 0 && (this.#state as State) !== 'closed') {
      await new Promise<void>((resolve) => {
        const cancel = this.#o.clock.setTimeout(resolve, downtimeMs);
        this.#endDowntime = () => {
          cancel();
          resolve();
        };
      });
      this.#endDowntime = undefined;
    }
    if ((this.#state as State) === 'closed') throw closedError();
    this.#zmq = this.#newNotifier(before.zmqEndpoint);
    this.#rpc = this.#newRpcServer(Number(new URL(before.rpcUrl).port));
    this.#startedAtMs = this.#o.clock.now();
    this.#starting = this.#bindAndRun(true);
    return this.#starting;
  }

  /** Connects a block from the mempool; resolves after its hashtx/rawtx (per tx) and hashblock/rawblock were sent. */
  async mineBlock(): Promise<Block> {
    this.#assertRunning();
    const rec = this.#chain.mineBlock();
    await this.#announceBlocks([], [rec], []);
    return rec.block;
  }

  /** A random tx (payment, asset transfer, issue or reissue) into the mempool; resolves after hashtx/rawtx were sent. */
  async createTx(): Promise<Transaction> {
    this.#assertRunning();
    return this.#announceTx(this.#chain.createTx());
  }

  /** A payment of `sats` to `address` (any address of this network, ours or not). */
  async sendTo(address: string, sats: bigint | number): Promise<Transaction> {
    this.#assertRunning();
    return this.#announceTx(this.#chain.sendTo(address, BigInt(sats)));
  }

  /** Issues `name` (a fresh name if omitted) with its owner token `name!`; `opts.to` receives both. */
  async issueAsset(name?: string, opts: IssueOptions = {}): Promise<Transaction> {
    this.#assertRunning();
    return this.#announceTx(this.#chain.issueAsset(name, opts));
  }

  /** Transfers (part of) a holding of `name` to `to`. Rejects with CHAINFAN_LIMIT_EXCEEDED when no wallet holds it. */
  async transferAsset(name?: string, to?: string, amount?: bigint): Promise<Transaction> {
    this.#assertRunning();
    const accepted = this.#chain.transferAsset(name, to, amount);
    if (accepted === undefined) throw new ChainfanError('CHAINFAN_LIMIT_EXCEEDED', 'no asset holding can fund a transfer');
    return this.#announceTx(accepted);
  }

  /** Reissues `name` (or any reissuable asset). Rejects with CHAINFAN_LIMIT_EXCEEDED when none qualifies. */
  async reissueAsset(name?: string, amount?: bigint): Promise<Transaction> {
    this.#assertRunning();
    const accepted = this.#chain.reissueAsset(name, amount);
    if (accepted === undefined) throw new ChainfanError('CHAINFAN_LIMIT_EXCEEDED', 'no reissuable asset with a funded owner');
    return this.#announceTx(accepted);
  }

  /**
   * Replaces the top `depth` blocks (see SimChain.reorg for `opts`) and notifies as the node does: hashtx/rawtx for
   * every tx of each disconnected block (tip first), then for every tx of each new block, then for txs re-accepted to
   * the mempool, and finally hashblock/rawblock for the new tip only.
   */
  async reorg(depth: number, opts: ReorgOptions = {}): Promise<NodeSimReorg> {
    this.#assertRunning();
    const r = this.#chain.reorg(depth, opts);
    await this.#announceBlocks(r.disconnected, r.connected, r.readded);
    return { disconnected: r.disconnected.map((b) => b.block), connected: r.connected.map((b) => b.block) };
  }

  /**
   * Connects `n` blocks in one step, as a node catching up (in initial block download, or one ActivateBestChain step):
   * for every block, coinbase first, hashtx/rawtx of each tx and sequence `C`; hashblock/rawblock only for the last
   * block, the new tip. Blocks take the mempool's txs as `mineBlock` does, plus `opts.foreignTxsPerBlock` txs the node
   * never had in its mempool. Resolves to the blocks (lowest first) once every notification was sent.
   */
  async burst(n: number, opts: BurstOptions = {}): Promise<Block[]> {
    this.#assertRunning();
    if (!Number.isInteger(n) || n < 1 || n > MAX_BURST_BLOCKS) throw new RangeError(`burst needs an integer of blocks in [1, ${MAX_BURST_BLOCKS}], got ${n}`);
    const foreign = opts.foreignTxsPerBlock ?? 0;
    const recs: BlockRecord[] = [];
    for (let i = 0; i < n; i++) recs.push(this.#chain.mineRelayedBlock(foreign));
    await this.#announceBlocks([], recs, []);
    return recs.map((r) => r.block);
  }

  /**
   * Evicts `txid` (default: the oldest mempool tx) and its mempool descendants, as expiry or the size limit does.
   * Only the sequence topic tells: `R` per removed tx (parents first) with its mempool sequence; hashtx/rawtx announce
   * no removal. Resolves to the removed txs. RangeError when the tx is not in the mempool (or the mempool is empty).
   */
  async evictTx(txid?: string): Promise<Transaction[]> {
    this.#assertRunning();
    const target = txid ?? this.#chain.mempool.entries().next().value?.tx.txid;
    if (target === undefined) throw new RangeError('the mempool is empty');
    const evicted = this.#chain.evictTx(target);
    await Promise.all(evicted.map((e) => this.#zmq.publish('sequence', sequenceBody(hexToBytes(e.tx.txid), SEQUENCE_LABEL.removed, e.mempoolSequence))));
    return evicted.map((e) => e.tx);
  }

  /** Fault injection: the next `count` notifications of `topic` are counted but not sent (a counter gap downstream). */
  skipZmq(topic: ZmqTopic, count = 1): void {
    this.#zmq.skip(topic, count);
  }

  /**
   * Fault injection, effective from the next send (and kept across restarts): each node message is dropped with
   * probability `f` in [0, 1], drawn from `faultRandom` per (topic, message), after its counter value is taken, as a
   * PUB socket past its high-water mark drops; subscribers see counter gaps. Probes are never dropped. RangeError
   * outside [0, 1].
   */
  setZmqDropFraction(f: number): void {
    this.#zmq.setDropFraction(f);
    this.#zmqDropFraction = f;
  }

  /** Node messages counted but not sent (skipZmq and random drops), per topic, since the last start. */
  zmqDropped(): Readonly<Record<string, number>> {
    return this.#zmq.dropped();
  }

  /** `stallZmq(ms)` and `stallRpc(ms)` together: the node looks hung (busy on its main lock) for `ms`. */
  stall(ms: number): void {
    this.stallZmq(ms);
    this.stallRpc(ms);
  }

  /**
   * Fault injection: for `ms` on the injected clock the publisher sends nothing (probes included). Notifications keep
   * being produced (the chain changes at once) and wait, in order and counted only when sent, in the bounded send
   * queue; they go out when the stall ends. At the queue bound (`zmqMaxQueuedSends`) a publish rejects and is neither sent nor counted,
   * as at any other time. Calls that wait for their notifications (mineBlock, createTx, …) resolve after the stall,
   * so timer-driven generation pauses too. Stalls only lengthen; restart() and close() end them. RangeError for a
   * negative or non-finite `ms`.
   */
  stallZmq(ms: number): void {
    this.#assertRunning();
    this.#zmqStall.hold(ms);
  }

  /**
   * Fault injection: for `ms` on the injected clock the RPC server holds every request it has read, then answers from
   * the state of that moment; a client with a shorter deadline times out, and gets no reply. Connections are still
   * accepted. Stalls only lengthen; restart() and close() end them.
   */
  stallRpc(ms: number): void {
    this.#assertRunning();
    this.#rpcStall.hold(ms);
  }

  /**
   * Publishes one `chainfan-probe` message (a topic no node has). A test subscribed to it as well as to node topics
   * knows, once a probe arrives, that its earlier subscriptions are live: ZMQ drops messages sent before that.
   */
  zmqProbe(): Promise<void> {
    this.#assertRunning();
    return this.#zmq.probe();
  }

  /** The simulated wallets' addresses (index order; every 4th is P2SH). Stable for a given seed and network. */
  addresses(): string[] {
    return this.#chain.wallets.map((w) => w.address);
  }

  get wallets(): readonly Wallet[] {
    return this.#chain.wallets;
  }

  /** The state behind the RPC answers, for assertions (read it, do not mutate it). */
  get chain(): SimChain {
    return this.#chain;
  }

  get height(): number {
    return this.#chain.store.height;
  }

  /** Next ZMQ counter per topic (= messages sent so far since the last start). */
  zmqCounters(): Readonly<Record<string, number>> {
    return this.#zmq.counters();
  }

  /** `reloadMempool`: a restart, whose mempool.dat load re-announces every mempool tx before anything new happens. */
  async #bindAndRun(reloadMempool = false): Promise<NodeSimEndpoints> {
    const [zmqEndpoint, rpcUrl] = await Promise.all([this.#zmq.bind(), this.#rpc.listen()]);
    if ((this.#state as State) === 'closed') throw closedError();
    this.#endpoints = { zmqEndpoint, rpcUrl };
    const reloaded = reloadMempool ? this.#chain.reloadMempool().flatMap((a) => this.#txAdded(a)) : [];
    this.#state = 'running';
    if (this.#o.autoMine && this.#o.blockIntervalMs > 0) this.#armBlockTimer();
    if (this.#o.txPerSecond > 0) this.#armTxTimer();
    await Promise.all(reloaded);
    return this.#endpoints;
  }

  #newNotifier(endpoint: string): ZmqNotifier {
    const o = this.#o;
    return new ZmqNotifier({
      endpoint, topics: this.#topics, maxQueuedSends: o.zmqMaxQueuedSends, sendHighWaterMark: o.zmqSendHighWaterMark,
      dropFraction: this.#zmqDropFraction, random: o.faultRandom, stall: this.#zmqStall,
    });
  }

  #newRpcServer(port: number): RpcServer {
    const o = this.#o;
    return new RpcServer(
      { host: o.rpcHost, port, user: o.rpcUser, password: o.rpcPassword, maxBodyBytes: o.rpcMaxBodyBytes, stall: this.#rpcStall },
      this.#dispatch,
    );
  }

  #endStalls(): void {
    this.#zmqStall.release();
    this.#rpcStall.release();
  }

  #assertRunning(): void {
    if (this.#state === 'running') return;
    if (this.#state === 'closed') throw closedError();
    throw new ChainfanError('CHAINFAN_BUS_CLOSED', 'NodeSim is not running (not started, or restarting)');
  }

  /** Mempool acceptance: hashtx, rawtx, then sequence `A` with the mempool sequence (Core's order). */
  async #announceTx(a: AcceptedTx): Promise<Transaction> {
    await Promise.all(this.#txAdded(a));
    return a.tx;
  }

  #txAdded(a: AcceptedTx): Promise<void>[] {
    const txid = hexToBytes(a.tx.txid);
    return [
      this.#zmq.publish('hashtx', txid),
      this.#zmq.publish('rawtx', a.tx.raw),
      this.#zmq.publish('sequence', sequenceBody(txid, SEQUENCE_LABEL.added, a.mempoolSequence)),
    ];
  }

  /**
   * Chain updates as the node's validation interface orders them: BlockDisconnected per old block (hashtx/rawtx for
   * each tx, then sequence `D`), BlockConnected per new block (hashtx/rawtx for each tx, coinbase first, then sequence
   * `C`), mempool re-acceptance of leftovers, then UpdatedBlockTip for the new tip only (hashblock, rawblock). Every send
   * is queued synchronously, so no other notification can interleave.
   */
  async #announceBlocks(disconnected: readonly BlockRecord[], connected: readonly BlockRecord[], readded: readonly AcceptedTx[]): Promise<void> {
    const sends: Promise<void>[] = [];
    const blockTxs = (rec: BlockRecord, label: number): void => {
      for (const tx of rec.block.txs) sends.push(this.#zmq.publish('hashtx', hexToBytes(tx.txid)), this.#zmq.publish('rawtx', tx.raw));
      sends.push(this.#zmq.publish('sequence', sequenceBody(hexToBytes(rec.hash), label)));
    };
    for (const rec of disconnected) blockTxs(rec, SEQUENCE_LABEL.disconnected);
    for (const rec of connected) blockTxs(rec, SEQUENCE_LABEL.connected);
    for (const a of readded) sends.push(...this.#txAdded(a));
    const tip = connected[connected.length - 1];
    if (tip !== undefined) sends.push(this.#zmq.publish('hashblock', hexToBytes(tip.hash)), this.#zmq.publish('rawblock', tip.block.raw));
    await Promise.all(sends);
  }

  #stopTimers(): void {
    this.#cancelBlockTimer?.();
    this.#cancelTxTimer?.();
    this.#cancelBlockTimer = undefined;
    this.#cancelTxTimer = undefined;
  }

  #armBlockTimer(): void {
    this.#cancelBlockTimer = this.#o.clock.setTimeout(() => {
      this.#runTimed(() => this.mineBlock(), () => this.#armBlockTimer());
    }, this.#o.blockIntervalMs);
  }

  #armTxTimer(): void {
    this.#cancelTxTimer = this.#o.clock.setTimeout(() => {
      this.#runTimed(() => this.createTx(), () => this.#armTxTimer());
    }, poissonDelayMs(this.#timingRandom, this.#o.txPerSecond));
  }

  /** Re-arms only after the step's notifications are sent, so timers can never outrun the ZMQ queue. */
  #runTimed(step: () => Promise<unknown>, rearm: () => void): void {
    if (this.#state !== 'running') return;
    step().then(
      () => {
        if (this.#state === 'running') rearm();
      },
      (err: unknown) => {
        this.#o.onError(err);
        if (this.#state === 'running') rearm();
      },
    );
  }
}

function closedError(): ChainfanError {
  return new ChainfanError('CHAINFAN_BUS_CLOSED', 'NodeSim is closed');
}

/** Core's `sequence` body: 32-byte hash, label, and for A/R the uint64 LE mempool sequence. */
function sequenceBody(hash: Uint8Array, label: number, mempoolSequence?: bigint): Uint8Array {
  const out = new Uint8Array(mempoolSequence === undefined ? 33 : 41);
  out.set(hash, 0);
  out[32] = label;
  if (mempoolSequence !== undefined) new DataView(out.buffer).setBigUint64(33, mempoolSequence, true);
  return out;
}

/** Peers on documentation addresses (RFC 5737), connected a while ago, with plausible pings. */
function fakePeers(random: Random, count: number, nowSec: number): FakePeer[] {
  return Array.from({ length: count }, (_, i) => ({
    id: i,
    addr: `203.0.113.${10 + i * 7}:8820`,
    inbound: i % 3 === 2,
    conntime: nowSec - randomInt(random, 600, 86_400),
    pingtime: Math.round((0.02 + random() * 0.25) * 1e6) / 1e6,
  }));
}
