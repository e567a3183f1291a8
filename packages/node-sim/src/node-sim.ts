// NodeSim: the simulated Evrmore node — SimChain state + ZMQ notifications in node order + JSON-RPC, on timers or by hand.
import { hexToBytes, type Block, type Transaction } from '@chainfan/chain';
import { ChainfanError } from '@chainfan/protocol';
import { systemClock, type Cancel } from './clock.js';
import type { BlockRecord } from './chain-store.js';
import { resolveNodeSimOptions, type NodeSimOptions, type ResolvedNodeSimOptions } from './options.js';
import { poissonDelayMs, randomInt, seededRandom, type Random } from './random.js';
import { createRpcDispatch, type FakePeer } from './rpc-methods.js';
import type { RpcDispatch } from './rpc-server.js';
import { RpcServer } from './rpc-server.js';
import { SimChain, type AcceptedTx, type ReorgOptions } from './sim-chain.js';
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

type State = 'new' | 'starting' | 'running' | 'closed';

const SEQUENCE_LABEL = { connected: 0x43, disconnected: 0x44, added: 0x41 } as const; // 'C' 'D' 'A'

export class NodeSim {
  readonly #o: ResolvedNodeSimOptions;
  readonly #chain: SimChain;
  readonly #dispatch: RpcDispatch;
  readonly #topics: readonly ZmqTopic[];
  /** Drives the timers only, so how often they fire never changes what the chain generator draws. */
  readonly #timingRandom: Random;
  #zmq: ZmqNotifier;
  #rpc: RpcServer;
  #state: State = 'new';
  #startedAtMs: number;
  #starting: Promise<NodeSimEndpoints> | undefined;
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
    this.#chain = new SimChain(
      {
        network: o.network, seed: o.seed, random, now: () => clock.now(), walletCount: o.wallets, maxTxPerBlock: o.maxTxPerBlock,
        coinbaseMaturity: o.coinbaseMaturity, witnessCommitment: o.witnessCommitment, bits: o.bits, feeRateSatsPerVbyte: o.feeRateSatsPerVbyte,
      },
      nowSec - o.initialBlocks * 60,
    );
    // History the node already had before anyone listened: no notifications, as during initial block download.
    for (let i = 1; i <= o.initialBlocks; i++) {
      for (let n = randomInt(random, 0, 3); n > 0; n--) this.#chain.createTx();
      this.#chain.mineBlock(nowSec - (o.initialBlocks - i) * 60);
    }
    const topics: ZmqTopic[] = [...o.zmqTopics];
    if (o.zmqSequence && !topics.includes('sequence')) topics.push('sequence');
    this.#topics = topics;
    this.#startedAtMs = clock.now();
    this.#dispatch = createRpcDispatch({
      chain: this.#chain, now: () => clock.now(), startedAtMs: () => this.#startedAtMs, peers: fakePeers(this.#timingRandom, o.peers, nowSec),
    });
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
      const endpoints = await this.#bindAndRun();
      return endpoints;
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
      await Promise.allSettled([this.#zmq.close(), this.#rpc.close()]);
    })();
    return this.#closing;
  }

  /** Same as `close()`. */
  stop(): Promise<void> {
    return this.close();
  }

  /**
   * A node restart: timers stop, ZMQ and RPC close and come back on the same ports. The chain and mempool survive (as
   * on disk); the ZMQ counters restart at 0, as they live only in the node's memory. Calls made meanwhile reject.
   */
  async restart(): Promise<NodeSimEndpoints> {
    this.#assertRunning();
    const before = await (this.#starting as Promise<NodeSimEndpoints>);
    this.#state = 'starting';
    this.#stopTimers();
    await Promise.allSettled([this.#zmq.close(), this.#rpc.close()]);
    if ((this.#state as State) === 'closed') throw closedError();
    this.#zmq = this.#newNotifier(before.zmqEndpoint);
    this.#rpc = this.#newRpcServer(Number(new URL(before.rpcUrl).port));
    this.#startedAtMs = this.#o.clock.now();
    this.#starting = this.#bindAndRun();
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

  /** Fault injection: the next `count` notifications of `topic` are counted but not sent (a counter gap downstream). */
  skipZmq(topic: ZmqTopic, count = 1): void {
    this.#zmq.skip(topic, count);
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

  async #bindAndRun(): Promise<NodeSimEndpoints> {
    const [zmqEndpoint, rpcUrl] = await Promise.all([this.#zmq.bind(), this.#rpc.listen()]);
    if ((this.#state as State) === 'closed') throw closedError();
    this.#state = 'running';
    if (this.#o.autoMine && this.#o.blockIntervalMs > 0) this.#armBlockTimer();
    if (this.#o.txPerSecond > 0) this.#armTxTimer();
    return { zmqEndpoint, rpcUrl };
  }

  #newNotifier(endpoint: string): ZmqNotifier {
    const o = this.#o;
    return new ZmqNotifier({ endpoint, topics: this.#topics, maxQueuedSends: o.zmqMaxQueuedSends, sendHighWaterMark: o.zmqSendHighWaterMark });
  }

  #newRpcServer(port: number): RpcServer {
    const o = this.#o;
    return new RpcServer({ host: o.rpcHost, port, user: o.rpcUser, password: o.rpcPassword, maxBodyBytes: o.rpcMaxBodyBytes }, this.#dispatch);
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
