// The ingestor: ChainSource notifications → local decode → ordered publish, with the node's lossy ZMQ turned into
// a complete stream. Counter gaps, node restarts, bus reconnects, a new leadership and a periodic poll all lead to
// one reconciliation over RPC (ChainFollower.sync + mempool diff). Only the leader publishes.
import { type Bus, type Coordinator, PositionFloor } from '@chainfan/bus';
import { type Network, bytesToHex, decodeBlock, decodeSequenceBody, decodeTx, hexToBytes } from '@chainfan/chain';
import { backoffMs, type BusChannel, type Cancel, type Clock, systemClock } from '@chainfan/protocol';
import { type IngestorMetrics, pickOptions } from '@chainfan/telemetry';
import type { Logger } from 'pino';
import { parseCheckpoint } from './block-window.js';
import { ChainFollower } from './chain-follower.js';
import { ingestorEnv, ingestorTuning, type IngestorTuning } from './config.js';
import { EventPublisher } from './event-publisher.js';
import { txStatusEnvelope } from './events/chain-events.js';
import { RateMeter } from './rate-meter.js';
import { LeaderElector } from './leader-elector.js';
import type { LocalStateFile } from './local-state.js';
import { KnownState } from './known-state.js';
import { NodeLink } from './node-link.js';
import { NodeSummaries } from './node-summaries.js';
import { Publisher } from './publisher.js';
import type { ChainRpc } from './rpc/rpc-client.js';
import { SeenSet } from './seen-set.js';
import { SequenceTracker } from './sequence-tracker.js';
import type { ChainNotification, ChainSource } from './source/chain-source.js';

/**
 * The Ingestor's collaborators and options. The tuning options (mempool, network, peers and poll periods,
 * confirmations, lease TTL) are the config table's option rows: same defaults, same bounds (checked at construction).
 */
export interface IngestorOptions extends Partial<IngestorTuning> {
  readonly source: ChainSource;
  readonly rpc: ChainRpc;
  readonly bus: Bus & Coordinator;
  readonly network: Network;
  readonly log: Logger;
  readonly metrics: IngestorMetrics;
  /** time and timers (polls, grace periods, retries, the leader lease); the system clock unless given */
  readonly clock?: Clock;
  /** overrides the clock's `now` for event timestamps */
  readonly now?: () => number;
  readonly random?: () => number;
  /** identifies this instance in the leader lease */
  readonly owner?: string;
  /** after a hashblock, how long to wait for its rawblock before fetching the block over RPC */
  readonly hashGraceMs?: number;
  readonly seenCapacity?: number;
  readonly maxInFlight?: number;
  /** queued block tasks; beyond it raw blocks are dropped and a resync is scheduled instead */
  readonly maxPendingTasks?: number;
  readonly windowSize?: number;
  readonly batchSize?: number;
  readonly leaseRenewMs?: number;
  readonly leaseRetryMs?: number;
  /**
   * The latest position known per channel; the same instance the bus checks publishes against (RedisBus option
   * positionFloor), so positions seen here — from a file, or watched as a standby — prevent a silent rewind.
   */
  readonly positionFloor?: PositionFloor;
  /** where the floor and the chain checkpoint are kept across restarts and Redis data loss; none by default */
  readonly stateFile?: LocalStateFile;
  /** how often the state is saved, and a standby reads what the leader published (positions, checkpoint, txids) */
  readonly observeIntervalMs?: number;
  /** hash partitions of the transaction stream (CHAINFAN_BUS_TXS_PARTITIONS), default 1: the single `txs` channel */
  readonly txsPartitions?: number;
}

export interface IngestorStatus {
  readonly nodeReachable: boolean;
  readonly busUp: boolean;
  readonly leader: boolean;
  readonly lastNotificationAt: number | undefined;
  readonly tip: { height: number; hash: string } | undefined;
}

export class Ingestor {
  readonly #o: IngestorOptions;
  /** the options that are rows of the config table: their defaults and bounds are the table's */
  readonly #t: IngestorTuning;
  readonly #clock: Clock;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #log: Logger;
  readonly #seen: SeenSet;
  readonly #publisher: Publisher;
  readonly #events: EventPublisher;
  readonly #follower: ChainFollower;
  readonly #elector: LeaderElector;
  readonly #tracker = new SequenceTracker();
  readonly #txRate: RateMeter;
  #tasks: Promise<void> = Promise.resolve();
  #pendingTasks = 0;
  #resyncQueued = false;
  #resyncAttempt = 0;
  #retryTimer: Cancel | undefined;
  #lastMempoolSeq: bigint | undefined;
  readonly #node: NodeLink;
  readonly #summaries: NodeSummaries;
  #lastNotificationAt: number | undefined;
  #timers: Cancel[] = [];
  #busWasDown = false;
  #closing: Promise<void> | undefined;
  readonly #known: KnownState;

  constructor(o: IngestorOptions) {
    this.#o = o;
    this.#t = ingestorTuning(pickOptions(ingestorEnv, o));
    this.#clock = o.clock ?? systemClock;
    this.#now = o.now ?? (() => this.#clock.now());
    this.#random = o.random ?? Math.random;
    this.#log = o.log;
    this.#seen = new SeenSet(o.seenCapacity ?? 200_000);
    this.#node = new NodeLink({ rpc: o.rpc, log: o.log, metrics: o.metrics, baseMs: this.#t.pollIntervalMs, now: this.#now });
    this.#elector = new LeaderElector({
      coordinator: o.bus,
      owner: o.owner ?? `ingestor-${process.pid}`,
      log: o.log.child({ component: 'leader' }),
      ttlMs: this.#t.leaseTtlMs,
      renewEveryMs: o.leaseRenewMs ?? 1_000,
      retryEveryMs: o.leaseRetryMs ?? 500,
      onElected: (token) => this.#onElected(token),
      onDeposed: () => this.#onDeposed(),
      clock: this.#clock,
    });
    this.#publisher = new Publisher({
      bus: o.bus,
      metrics: o.metrics,
      log: o.log,
      maxInFlight: o.maxInFlight ?? 50_000,
      now: this.#now,
      onFenced: () => this.#elector.fenced(),
    });
    this.#publisher.setFencingToken('not-leader'); // until elected, every publish is refused by the bus
    this.#txRate = new RateMeter(60, this.#now);
    this.#events = new EventPublisher({
      publisher: this.#publisher, seen: this.#seen, network: o.network, metrics: o.metrics, txRate: this.#txRate, txsPartitions: o.txsPartitions ?? 1,
    });
    this.#follower = new ChainFollower({
      rpc: o.rpc,
      network: o.network,
      events: this.#events,
      metrics: o.metrics,
      log: o.log.child({ component: 'follower' }),
      confirmations: this.#t.confirmations,
      windowSize: o.windowSize ?? 200,
      batchSize: o.batchSize ?? 25,
      now: this.#now,
      readCheckpoint: () => o.bus.readCheckpoint(),
    });
    this.#known = new KnownState({
      bus: o.bus,
      floor: o.positionFloor ?? new PositionFloor(),
      log: o.log,
      stateFile: o.stateFile,
      isLeader: () => this.#elector.isLeader,
      ownCheckpoint: () => this.#follower.checkpoint(),
      markSeen: (txid) => this.#events.markSeen(txid),
      txsPartitions: o.txsPartitions ?? 1,
    });
    this.#summaries = new NodeSummaries({
      rpc: o.rpc,
      node: this.#node,
      events: this.#events,
      follower: this.#follower,
      txRate: this.#txRate,
      network: o.network,
      now: this.#now,
    });
  }

  async start(): Promise<void> {
    const { source, bus, metrics } = this.#o;
    metrics.busUp.set(bus.state === 'up' ? 1 : 0);
    metrics.leader.set(0);
    bus.onStateChange((s) => {
      metrics.busUp.set(s === 'up' ? 1 : 0);
      if (s === 'down') this.#busWasDown = true;
      if (s === 'up' && this.#busWasDown) {
        this.#busWasDown = false;
        this.#scheduleResync('bus-reconnect'); // whatever failed to publish during the outage is fetched again
      }
    });
    source.onInvalid((e) => {
      metrics.decodeErrors.inc({ topic: 'frame' });
      this.#log.warn({ event: 'zmq.invalid', error: e }, 'invalid ZMQ message');
    });
    source.onNotification((n) => this.#onNotification(n));
    await this.#known.load();
    await source.start();
    await this.#node.probe();
    this.#elector.start();
    this.#every(this.#t.mempoolIntervalMs, () => void this.#summaries.publishMempool());
    this.#every(this.#t.networkIntervalMs, () => void this.#summaries.publishNetwork());
    this.#every(this.#t.peersIntervalMs, () => void this.#summaries.publishPeers());
    this.#every(this.#t.pollIntervalMs, () => this.#scheduleResync('poll'));
    this.#every(this.#t.pollIntervalMs, () => void this.#node.probe(), { standbyToo: true });
    this.#every(this.#o.observeIntervalMs ?? 1_000, () => void this.#observe(), { standbyToo: true });
    this.#log.info({ event: 'ingestor.started', network: this.#o.network.name }, 'ingestor started');
  }

  status(): IngestorStatus {
    return {
      nodeReachable: this.#node.reachable,
      busUp: this.#o.bus.state === 'up',
      leader: this.#elector.isLeader,
      lastNotificationAt: this.#lastNotificationAt,
      tip: this.#follower.tip,
    };
  }

  /** The latest chain checkpoint this ingestor knows (its own as leader, the leader's as a standby). */
  knownCheckpoint(): { height: number; hash: string } | undefined {
    const c = parseCheckpoint(this.#known.checkpoint);
    return c === undefined ? undefined : { height: c.height, hash: c.hash };
  }

  /** How far a transaction channel was read into the seen set (a standby keeps up, observeIntervalMs behind at most). */
  txidsReadTo(channel: BusChannel = 'txs'): { epoch: string; seq: number } | undefined {
    return this.#known.txsRead(channel);
  }

  /** Resolves when every task queued so far has run and nothing is in flight. */
  async idle(): Promise<void> {
    let tasks: Promise<void>;
    do {
      tasks = this.#tasks;
      await tasks;
    } while (tasks !== this.#tasks);
    await this.#publisher.idle();
  }

  /** Reconciles with the node now (tests and operators); resolves when done. */
  async resync(reason = 'manual'): Promise<void> {
    this.#scheduleResync(reason);
    await this.idle();
  }

  #every(ms: number, fn: () => void, opts: { standbyToo?: boolean } = {}): void {
    if (ms <= 0) return;
    // one slot per periodic job, re-armed after each run (the Clock has one-shot timers only)
    const slot = this.#timers.length;
    const arm = (): void => {
      this.#timers[slot] = this.#clock.setTimeout(() => {
        if (this.#closing !== undefined) return;
        arm();
        if (this.#elector.isLeader || opts.standbyToo === true) fn();
      }, ms);
    };
    arm();
  }

  #onElected(token: string): void {
    this.#publisher.setFencingToken(token);
    this.#o.metrics.leader.set(1);
    this.#enqueue('take-over', async () => {
      await this.#known.readTxids();
      const raw = await this.#o.bus.readCheckpoint();
      const checkpoint = parseCheckpoint(raw);
      if (raw !== undefined && checkpoint === undefined) this.#log.error({ event: 'checkpoint.corrupt' }, 'stored checkpoint unreadable; starting from the node tip');
      // The stored checkpoint wins. Without one (first start, or a Redis that lost its data) an ingestor that was
      // already following keeps its own window, and one that was not continues from the checkpoint it last knew
      // (watched as a standby, or kept on disk), so blocks mined meanwhile are still backfilled.
      const known = checkpoint === undefined && this.#follower.tip === undefined ? parseCheckpoint(this.#known.checkpoint) : undefined;
      if (checkpoint !== undefined || this.#follower.tip === undefined) this.#follower.restore(checkpoint ?? known);
      const from = checkpoint ?? known;
      this.#log.info(
        { event: 'ingestor.resume', from: from === undefined ? null : { height: from.height, hash: from.hash }, source: checkpoint !== undefined ? 'bus' : known !== undefined ? 'local' : 'window' },
        'resuming from checkpoint',
      );
    });
    this.#scheduleResync('elected');
  }

  #onDeposed(): void {
    // A token that can never match: anything still queued is refused by the bus instead of published.
    this.#publisher.setFencingToken('deposed');
    this.#o.metrics.leader.set(0);
  }

  /** Standby watch and state saving run until close. */
  async #observe(): Promise<void> {
    if (this.#closing !== undefined) return;
    await this.#known.observe();
  }

  #onNotification(n: ChainNotification): void {
    const m = this.#o.metrics;
    m.zmqMessages.inc({ topic: n.topic });
    this.#lastNotificationAt = n.receivedAt;
    m.lastNotificationSeconds.set(n.receivedAt / 1000);
    const v = this.#tracker.check(n.topic, n.sequence);
    if (v.kind === 'gap') {
      m.zmqGaps.inc({ topic: n.topic }, v.missed);
      this.#log.warn({ event: 'zmq.gap', topic: n.topic, missed: v.missed }, 'ZMQ notifications lost');
      this.#scheduleResync('gap');
    } else if (v.kind === 'reset') {
      m.zmqResets.inc({ topic: n.topic });
      this.#log.warn({ event: 'zmq.reset', topic: n.topic }, 'ZMQ counter restarted: node restart');
      this.#scheduleResync('node-restart');
    }
    if (!this.#elector.isLeader) {
      m.standbyIgnored.inc();
      return;
    }
    switch (n.topic) {
      case 'rawtx': {
        const d = decodeTx(n.body);
        if (!d.ok) {
          m.decodeErrors.inc({ topic: n.topic });
          return;
        }
        this.#events.publishTx(d.value, n.receivedAt);
        return;
      }
      case 'rawblock': {
        const d = decodeBlock(n.body, this.#o.network);
        if (!d.ok) {
          m.decodeErrors.inc({ topic: n.topic });
          this.#scheduleResync('undecodable-block');
          return;
        }
        // transactions first, in block order: a block's rawtx normally came already, any lost ones go out now
        for (const tx of d.value.txs) this.#events.publishTx(tx, n.receivedAt);
        if (this.#pendingTasks >= (this.#o.maxPendingTasks ?? 1_000)) {
          m.publishErrors.inc({ channel: 'blocks', reason: 'overflow' });
          this.#scheduleResync('block-queue-full');
          return;
        }
        this.#enqueue('rawblock', () => this.#follower.onRawBlock(d.value, n.receivedAt));
        return;
      }
      case 'hashblock': {
        // Several blocks connected at once announce only the tip, and rawblock may have been dropped: if the
        // block has not been published shortly after its hash, reconcile over RPC.
        const hash = bytesToHex(n.body);
        this.#clock.setTimeout(() => {
          if (this.#elector.isLeader && !this.#follower.has(hash)) this.#scheduleResync('hashblock-without-rawblock');
        }, this.#o.hashGraceMs ?? 1_000);
        return;
      }
      case 'hashtx':
        return; // rawtx carries the transaction; its counter already tells about losses
      case 'sequence':
        this.#onSequence(n);
        return;
    }
  }

  /** Bitcoin Core's `sequence` topic: forwarded as evrmore-rpc did, and used for mempool gaps and removals. */
  #onSequence(n: ChainNotification): void {
    const d = decodeSequenceBody(n.body);
    const extra = d.ok ? { label: d.value.label, id: d.value.hash, ...(d.value.mempoolSequence !== undefined ? { mempool_sequence: Number(d.value.mempoolSequence) } : {}) } : {};
    this.#events.publish({ channel: 'sequence', kind: 'sequence', ts: n.receivedAt, body: JSON.stringify({ sequence: n.sequence ?? null, hash: bytesToHex(n.body), ...extra }) }, n.receivedAt);
    if (!d.ok) return;
    const { label, hash, mempoolSequence } = d.value;
    if (mempoolSequence !== undefined) {
      if (this.#lastMempoolSeq !== undefined && mempoolSequence > this.#lastMempoolSeq + 1n) this.#scheduleResync('mempool-sequence-gap');
      this.#lastMempoolSeq = mempoolSequence;
    }
    if (label === 'D') this.#scheduleResync('block-disconnected');
    if (label === 'R') this.#events.publish(txStatusEnvelope(hash, { status: 'removed', reason: 'node' }, n.receivedAt), n.receivedAt);
  }

  #enqueue(what: string, task: () => Promise<unknown>): void {
    this.#pendingTasks++;
    this.#tasks = this.#tasks.then(async () => {
      try {
        await task();
      } catch (err) {
        this.#o.metrics.resyncFailures.inc();
        this.#node.warnUnlessOutage(err, { event: 'ingestor.task_failed', task: what }, 'task failed; will reconcile');
        this.#retryResync();
      } finally {
        this.#pendingTasks--;
      }
    });
  }

  /** Coalesces: at most one reconciliation waits in the queue at a time. */
  #scheduleResync(reason: string): void {
    if (!this.#elector.isLeader || this.#resyncQueued || this.#closing !== undefined) return;
    this.#resyncQueued = true;
    this.#enqueue(`resync:${reason}`, async () => {
      this.#resyncQueued = false;
      if (!this.#elector.isLeader) return;
      this.#o.metrics.resyncs.inc({ reason });
      await this.#follower.sync(reason);
      await this.#reconcileMempool();
      this.#node.setReachable(true);
      this.#resyncAttempt = 0;
    });
  }

  /** After a failure (node or bus unreachable): try again with backoff, until it works or leadership ends. */
  #retryResync(): void {
    if (this.#retryTimer !== undefined || this.#closing !== undefined) return;
    const delay = backoffMs(this.#resyncAttempt++, this.#random, { initialDelayMs: 200, maxDelayMs: 5_000, factor: 2 });
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#scheduleResync('retry');
    }, delay);
  }

  /** Publishes mempool transactions that ZMQ lost: getrawmempool diff, then raw transactions in batches. */
  async #reconcileMempool(): Promise<void> {
    const ids = await this.#node.call<string[]>('getrawmempool', [false]);
    const missing = ids.filter((id) => !this.#events.isSeen(id));
    for (let i = 0; i < missing.length; i += 100) {
      const replies = await this.#o.rpc.batchSettled(missing.slice(i, i + 100).map((id) => ({ method: 'getrawtransaction', params: [id, 0] })));
      const ts = this.#now();
      for (const r of replies) {
        if (!r.ok) continue; // mined or evicted since getrawmempool: the block path or nobody publishes it
        const d = decodeTx(hexToBytes(r.result as string));
        if (d.ok && this.#events.publishTx(d.value, ts)) this.#o.metrics.recoveredTxs.inc();
      }
    }
  }

  /** Hands the lease back, stops intake and lets queued work finish. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const cancel of this.#timers) cancel();
      this.#retryTimer?.();
      await this.#o.source.close();
      await this.idle();
      await this.#elector.stop();
      await this.#known.saveFinal();
    })();
    return this.#closing;
  }
}

