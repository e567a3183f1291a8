// The ingestor: ChainSource notifications → local decode → ordered publish, with the node's lossy ZMQ turned into
// a complete stream. Counter gaps, node restarts, bus reconnects, a new leadership and a periodic poll all lead to
// one reconciliation over RPC (ChainFollower.sync + mempool diff). Only the leader publishes.
import { type Bus, type Coordinator, PositionFloor } from '@chainfan/bus';
import { type Network, bytesToHex, decodeBlock, decodeSequenceBody, decodeTx, hexToBytes } from '@chainfan/chain';
import { backoffMs, BUS_CHANNELS, type Cancel, type Clock, rootCause, systemClock } from '@chainfan/protocol';
import type { IngestorMetrics } from '@chainfan/telemetry';
import type { Logger } from 'pino';
import { parseCheckpoint } from './block-window.js';
import { ChainFollower } from './chain-follower.js';
import { EventPublisher } from './event-publisher.js';
import { txStatusEnvelope } from './events/chain-events.js';
import { networkEnvelope, peersEnvelope, peersFromRpc } from './events/network-events.js';
import { RateMeter } from './rate-meter.js';
import { TrafficMeter } from './traffic-meter.js';
import { LeaderElector } from './leader-elector.js';
import type { LocalStateFile } from './local-state.js';
import { isNodeUnreachable, NodeOutage } from './node-outage.js';
import { Publisher } from './publisher.js';
import type { ChainRpc } from './rpc/rpc-client.js';
import { SeenSet } from './seen-set.js';
import { SequenceTracker } from './sequence-tracker.js';
import type { ChainNotification, ChainSource } from './source/chain-source.js';

export interface IngestorOptions {
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
  /** how often to publish the mempool summary (getmempoolinfo); 0 disables it */
  readonly mempoolIntervalMs?: number;
  /** period of the `network` summary (node status, tps); 0 disables it */
  readonly networkIntervalMs?: number;
  /** period of the `peers` list; 0 disables it */
  readonly peersIntervalMs?: number;
  /** safety net: how often the leader compares its tip with the node's, whatever ZMQ says; 0 disables it */
  readonly pollIntervalMs?: number;
  /** after a hashblock, how long to wait for its rawblock before fetching the block over RPC */
  readonly hashGraceMs?: number;
  readonly confirmations?: number;
  readonly seenCapacity?: number;
  readonly maxInFlight?: number;
  /** queued block tasks; beyond it raw blocks are dropped and a resync is scheduled instead */
  readonly maxPendingTasks?: number;
  readonly windowSize?: number;
  readonly batchSize?: number;
  readonly leaseTtlMs?: number;
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
  readonly #traffic = new TrafficMeter();
  #tasks: Promise<void> = Promise.resolve();
  #pendingTasks = 0;
  #resyncQueued = false;
  #resyncAttempt = 0;
  #retryTimer: Cancel | undefined;
  #lastMempoolSeq: bigint | undefined;
  #nodeReachable = false;
  readonly #outage: NodeOutage;
  #lastNotificationAt: number | undefined;
  #timers: Cancel[] = [];
  #busWasDown = false;
  #closing: Promise<void> | undefined;
  readonly #floor: PositionFloor;
  /** the latest chain checkpoint known: read from Redis as a standby, or the file's at start */
  #knownCheckpoint: string | undefined;
  #savedAt = { floor: -1, checkpoint: undefined as string | undefined };
  /** how far the txids of the `txs` channel were read into the seen set */
  #txsRead: { epoch: string; seq: number } | undefined;
  #observing = false;

  constructor(o: IngestorOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#now = o.now ?? (() => this.#clock.now());
    this.#random = o.random ?? Math.random;
    this.#log = o.log;
    this.#seen = new SeenSet(o.seenCapacity ?? 200_000);
    this.#floor = o.positionFloor ?? new PositionFloor();
    this.#outage = new NodeOutage({ url: rpcEndpointOf(o.rpc), log: o.log, baseMs: o.pollIntervalMs ?? 5_000, now: this.#now });
    this.#elector = new LeaderElector({
      coordinator: o.bus,
      owner: o.owner ?? `ingestor-${process.pid}`,
      log: o.log.child({ component: 'leader' }),
      ttlMs: o.leaseTtlMs ?? 3_000,
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
    this.#events = new EventPublisher({ publisher: this.#publisher, seen: this.#seen, network: o.network, metrics: o.metrics, txRate: this.#txRate });
    this.#follower = new ChainFollower({
      rpc: o.rpc,
      network: o.network,
      events: this.#events,
      metrics: o.metrics,
      log: o.log.child({ component: 'follower' }),
      confirmations: o.confirmations ?? 6,
      windowSize: o.windowSize ?? 200,
      batchSize: o.batchSize ?? 25,
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
    await this.#loadState();
    await source.start();
    await this.#probeNode();
    this.#elector.start();
    this.#every(this.#o.mempoolIntervalMs ?? 5_000, () => void this.#publishMempoolSummary());
    this.#every(this.#o.networkIntervalMs ?? 2_000, () => void this.#publishNetwork());
    this.#every(this.#o.peersIntervalMs ?? 10_000, () => void this.#publishPeers());
    this.#every(this.#o.pollIntervalMs ?? 5_000, () => this.#scheduleResync('poll'));
    this.#every(this.#o.pollIntervalMs ?? 5_000, () => void this.#probeNode(), { standbyToo: true });
    this.#every(this.#o.observeIntervalMs ?? 1_000, () => void this.#observe(), { standbyToo: true });
    this.#log.info({ event: 'ingestor.started', network: this.#o.network.name }, 'ingestor started');
  }

  status(): IngestorStatus {
    return {
      nodeReachable: this.#nodeReachable,
      busUp: this.#o.bus.state === 'up',
      leader: this.#elector.isLeader,
      lastNotificationAt: this.#lastNotificationAt,
      tip: this.#follower.tip,
    };
  }

  /** The latest chain checkpoint this ingestor knows (its own as leader, the leader's as a standby). */
  knownCheckpoint(): { height: number; hash: string } | undefined {
    const c = parseCheckpoint(this.#knownCheckpoint);
    return c === undefined ? undefined : { height: c.height, hash: c.hash };
  }

  /** How far the `txs` channel was read into the seen set (a standby keeps up, observeIntervalMs behind at most). */
  txidsReadTo(): { epoch: string; seq: number } | undefined {
    return this.#txsRead;
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
      await this.#readTxids();
      const raw = await this.#o.bus.readCheckpoint();
      const checkpoint = parseCheckpoint(raw);
      if (raw !== undefined && checkpoint === undefined) this.#log.error({ event: 'checkpoint.corrupt' }, 'stored checkpoint unreadable; starting from the node tip');
      // The stored checkpoint wins. Without one (first start, or a Redis that lost its data) an ingestor that was
      // already following keeps its own window, and one that was not continues from the checkpoint it last knew
      // (watched as a standby, or kept on disk), so blocks mined meanwhile are still backfilled.
      const known = checkpoint === undefined && this.#follower.tip === undefined ? parseCheckpoint(this.#knownCheckpoint) : undefined;
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

  /**
   * Transactions published recently (bus history) are known, so a new leader does not announce them again. A
   * standby reads them as they come (#observe), so this catches up on the last moments only.
   */
  async #readTxids(): Promise<void> {
    const pos = await this.#o.bus.position('txs');
    if (pos === undefined) return;
    this.#floor.note('txs', pos);
    let at = this.#txsRead?.epoch === pos.epoch ? this.#txsRead.seq : Math.max(0, pos.seq - 10_000);
    while (at < pos.seq) {
      const h = await this.#o.bus.history('txs', at, Math.min(10_000, pos.seq - at));
      if (h.epoch !== pos.epoch || h.messages.length === 0) break;
      for (const m of h.messages) if (typeof m.keys.tx === 'string') this.#events.markSeen(m.keys.tx);
      at = h.messages.at(-1)!.seq;
    }
    this.#txsRead = { epoch: pos.epoch, seq: at };
  }

  async #loadState(): Promise<void> {
    const file = this.#o.stateFile;
    if (file === undefined) return;
    try {
      const state = await file.load();
      if (state === undefined) return;
      for (const [c, p] of state.positions) this.#floor.note(c, p);
      this.#knownCheckpoint = state.checkpoint;
      this.#log.info({ event: 'state.loaded', path: file.path, channels: state.positions.length, checkpoint: state.checkpoint !== undefined }, 'local state loaded');
    } catch (err) {
      // without it a rewind that happened while this process was down can only be caught by the edges
      this.#log.error({ event: 'state.unreadable', path: file.path, err }, 'local state unreadable; starting without it');
    }
  }

  /**
   * Every observeIntervalMs. A standby reads what the leader publishes (positions into the floor, the checkpoint,
   * txids into the seen set), so whichever ingestor leads next knows as much as the last leader did even when
   * Redis lost it. Then the state is saved when it changed.
   */
  async #observe(): Promise<void> {
    if (this.#observing || this.#closing !== undefined) return;
    this.#observing = true;
    try {
      if (this.#elector.isLeader) {
        const c = this.#follower.checkpoint();
        if (c !== undefined) this.#knownCheckpoint = JSON.stringify(c);
      } else if (this.#o.bus.state === 'up') {
        for (const ch of BUS_CHANNELS) {
          const pos = await this.#o.bus.position(ch);
          if (pos !== undefined) this.#floor.note(ch, pos);
        }
        this.#knownCheckpoint = (await this.#o.bus.readCheckpoint()) ?? this.#knownCheckpoint;
        await this.#readTxids();
      }
      await this.#saveState();
    } catch (err) {
      this.#log.debug({ event: 'ingestor.observe_failed', err }, 'could not read the bus; next round tries again');
    } finally {
      this.#observing = false;
    }
  }

  async #saveState(): Promise<void> {
    const file = this.#o.stateFile;
    if (file === undefined) return;
    if (this.#savedAt.floor === this.#floor.changes && this.#savedAt.checkpoint === this.#knownCheckpoint) return;
    const at = { floor: this.#floor.changes, checkpoint: this.#knownCheckpoint };
    try {
      await file.save({ positions: this.#floor.entries(), checkpoint: this.#knownCheckpoint });
      this.#savedAt = at;
    } catch (err) {
      this.#log.warn({ event: 'state.save_failed', path: file.path, err }, 'could not save local state; will retry');
    }
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
        this.#warnUnlessOutage(err, { event: 'ingestor.task_failed', task: what }, 'task failed; will reconcile');
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
      this.#setNode(true);
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
    const ids = await this.#rpc<string[]>('getrawmempool', [false]);
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

  async #publishMempoolSummary(): Promise<void> {
    try {
      const info = await this.#rpc<Record<string, unknown>>('getmempoolinfo', []);
      const ts = this.#now();
      this.#events.publish({ channel: 'mempool', kind: 'mempool', ts, body: JSON.stringify({ size: info['size'], bytes: info['bytes'], usage: info['usage'] }) }, ts);
    } catch (err) {
      this.#warnUnlessOutage(err, { event: 'mempool.poll_failed' }, 'mempool poll failed');
    }
  }

  /** Keeps `node` readiness and chainfan_ingestor_node_up current, leader or not. */
  /** One RPC batch per period, whatever the number of clients: edges fan the result out. */
  async #publishNetwork(): Promise<void> {
    try {
      const [chainR, netR, mempoolR, totalsR] = await this.#o.rpc.batchSettled([
        { method: 'getblockchaininfo' }, { method: 'getnetworkinfo' }, { method: 'getmempoolinfo' }, { method: 'getnettotals' },
      ]);
      // the first three are required; getnettotals is a bonus (bandwidth stays null on a node without it)
      for (const r of [chainR, netR, mempoolR]) if (r === undefined || !r.ok) throw r?.ok === false ? r.error : new Error('short RPC batch reply');
      const [chain, net, mempool] = [chainR, netR, mempoolR].map((r) => (r as { result: unknown }).result as Record<string, unknown>);
      const bandwidth = totalsR?.ok === true ? this.#traffic.sample(totalsR.result) : undefined;
      const num = (v: unknown) => (typeof v === 'number' ? v : 0);
      const ts = this.#now();
      this.#events.publish(
        networkEnvelope(
          {
            height: num(chain!['blocks']),
            best_block_hash: String(chain!['bestblockhash'] ?? ''),
            difficulty: num(chain!['difficulty']),
            connections: num(net!['connections']),
            mempool_size: num(mempool!['size']),
            mempool_bytes: num(mempool!['bytes']),
            tps: Math.round(this.#txRate.rate() * 100) / 100,
            block_interval_s: this.#follower.meanBlockInterval(),
            network: String(chain!['chain'] ?? this.#o.network.name),
            subversion: String(net!['subversion'] ?? ''),
            bandwidth_in: bandwidth?.in ?? null,
            bandwidth_out: bandwidth?.out ?? null,
          },
          ts,
        ),
        ts,
      );
      this.#setNode(true);
    } catch (err) {
      this.#warnUnlessOutage(err, { event: 'network.poll_failed' }, 'network summary failed');
    }
  }

  async #publishPeers(): Promise<void> {
    try {
      const peers = peersFromRpc(await this.#rpc('getpeerinfo', []));
      const ts = this.#now();
      this.#events.publish(peersEnvelope(peers, ts), ts);
    } catch (err) {
      this.#warnUnlessOutage(err, { event: 'peers.poll_failed' }, 'peer list failed');
    }
  }

  async #probeNode(): Promise<void> {
    if (!this.#outage.probeDue()) return; // backing off while the node is down
    try {
      await this.#rpc('getblockcount', []);
    } catch (err) {
      if ((err as { rpcCode?: number }).rpcCode === undefined) this.#outage.failed(err); // an RPC error reply means it is up
    }
  }

  /** The probe reports an outage once per retry; the other periodic calls failing for the same reason stay at debug. */
  #warnUnlessOutage(err: unknown, fields: Record<string, unknown>, msg: string): void {
    if (isNodeUnreachable(err)) {
      if (this.#outage.down || !this.#nodeReachable) this.#log.debug({ ...fields, cause: rootCause(err) }, msg);
      else this.#log.warn({ ...fields, cause: rootCause(err) }, msg);
    } else {
      this.#log.warn({ ...fields, err }, msg);
    }
  }

  async #rpc<T>(method: string, params: readonly unknown[]): Promise<T> {
    try {
      const r = await this.#o.rpc.call<T>(method, params);
      this.#setNode(true);
      return r;
    } catch (err) {
      if ((err as { rpcCode?: number }).rpcCode === undefined) this.#setNode(false); // an RPC error reply means it is up
      throw err;
    }
  }

  #setNode(up: boolean): void {
    if (up) this.#outage.recovered();
    this.#nodeReachable = up;
    this.#o.metrics.nodeUp.set(up ? 1 : 0);
  }

  /** Hands the lease back, stops intake and lets queued work finish. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const cancel of this.#timers) cancel();
      this.#retryTimer?.();
      await this.#o.source.close();
      await this.idle();
      await this.#elector.stop();
      const c = this.#follower.checkpoint();
      if (c !== undefined) this.#knownCheckpoint = JSON.stringify(c);
      await this.#saveState();
    })();
    return this.#closing;
  }
}

/** Where the RPC calls go, for logs: the client's URL without credentials, or a name for an in-process node. */
function rpcEndpointOf(rpc: ChainRpc): string {
  const url = (rpc as { readonly endpoint?: unknown }).endpoint;
  return typeof url === 'string' ? url : 'the node (in process)';
}
