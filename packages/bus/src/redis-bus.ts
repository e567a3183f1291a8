// Bus over Redis (ioredis 5) — one server, Sentinel or Cluster: an atomic Lua publish per channel into sharded
// pub/sub + a bounded Stream per channel. Connections come from redis-clients.ts; the publish script call, the lease
// and retry logging work on them in redis-publish-call.ts, redis-lease.ts and redis-retry-log.ts.
// The key layout is in redis-keys.ts: every key of a channel shares its hash tag, so each publish runs on one shard.
import {
  backoffMs, type BusChannel, busChannelsFor, ChainfanError, type Clock, systemClock, decodeEnvelope, encodeEnvelopeTail, type Envelope, type OutgoingEnvelope,
} from '@chainfan/protocol';
import type { Bus, BusState, Coordinator, HistoryRead, PublishOptions, PublishReceipt } from './bus.js';
import { type BusLogger, silentLogger } from './bus-logger.js';
import { BusStateTracker } from './bus-state-tracker.js';
import { withDeadline } from './deadline.js';
import { checkHistoryArgs, isCovered } from './history-window.js';
import { DEFAULT_HISTORY_MAX_LEN } from './memory-bus.js';
import { PositionFloor } from './position-floor.js';
import { PublishBatcher } from './publish-batcher.js';
import { checkOutgoing } from './publish-check.js';
import { END_EPOCH_SCRIPT, FENCED_REPLY_CODE } from './publish-script.js';
import { closedError, downError } from './redis-bus-errors.js';
import { createRedisClient, reconnectWhenEnded, type RedisClient } from './redis-clients.js';
import { RedisLease } from './redis-lease.js';
import { logConnectionRetries } from './redis-retry-log.js';
import { RedisPublishCall } from './redis-publish-call.js';
import { busKeys, type BusKeys, type ChannelKeys } from './redis-keys.js';
import { isReplyError, parseSeq, parseStreamEntries } from './redis-replies.js';
import { ShardLabels } from './redis-shards.js';
import { describeRedisTopology, type RedisTopology, singleRedis } from './redis-topology.js';

export interface RedisBusOptions {
  /** a single Redis by URL; ignored when `topology` is given */
  readonly url?: string;
  /** single, Sentinel or Cluster (see redis-env.ts); one of `url` and `topology` is required */
  readonly topology?: RedisTopology;
  /** default `cf:` */
  readonly keyPrefix?: string;
  /** entries kept per channel history stream, default 10,000 */
  readonly historyMaxLen?: number;
  /** per connection attempt, default 5,000 */
  readonly connectTimeoutMs?: number;
  /** deadline of publish, subscribe, history and position, default 5,000 */
  readonly commandTimeoutMs?: number;
  /** cap of the reconnect backoff, default 2,000 */
  readonly maxReconnectDelayMs?: number;
  /** jitter source for the reconnect backoff, default Math.random */
  readonly random?: () => number;
  /**
   * What this process knows was published (seeded from a durable file by the ingestor, or read as a standby):
   * publishes never reuse a position behind it. Default: an empty floor that learns from this bus's own receipts
   * and position reads.
   */
  readonly positionFloor?: PositionFloor;
  /** partitions of the transaction stream (CHAINFAN_BUS_TXS_PARTITIONS), default 1: which channels get fence copies */
  readonly txsPartitions?: number;
  /** a publish batch of `messages` was confirmed on `shard` (see ShardLabels): the per-shard publish metric */
  readonly onPublished?: (shard: string, messages: number) => void;
  /** times the reconnect waits, command deadlines and ready() waits; the system clock unless given */
  readonly clock?: Clock;
}

export type { PublishOptions } from './bus.js';

export interface RedisBusStats {
  /** pub/sub messages and history entries that were not valid envelopes of their channel (dropped, never thrown) */
  readonly decodeErrors: number;
  /** times the bus came back 'up' after being 'down' */
  readonly reconnects: number;
  /** times a channel's fence copy was missing (expired, or lost in a failover) and was re-stamped from the lease */
  readonly fenceRestamps: number;
}

const QUIT_TIMEOUT_MS = 2_000;

export class RedisBus implements Bus, Coordinator {
  readonly #pub: RedisClient;
  readonly #sub: RedisClient;
  readonly #log: BusLogger;
  readonly #keys: BusKeys;
  readonly #target: string;
  readonly #maxLen: number;
  readonly #commandTimeoutMs: number;
  readonly #batcher: PublishBatcher;
  readonly #wanted = new Set<BusChannel>();
  /** the channels publishes go to with this deployment's transaction partitions */
  readonly #channels: readonly BusChannel[];
  /** per channel: highest confirmed seq in its epoch + messages sent with an unknown outcome (PUBLISH_SCRIPT floor) */
  readonly #floor: PositionFloor;
  readonly #publishCall: RedisPublishCall;
  readonly #shards: ShardLabels;
  readonly #lease: RedisLease;
  readonly #stats = { decodeErrors: 0, reconnects: 0, fenceRestamps: 0 };
  readonly #clock: Clock;
  readonly #tracker: BusStateTracker;
  #downSince = 0;
  #lastError = '';
  #subSynced = false;
  #subGeneration = 0;
  #onMessage: ((msg: Envelope) => void) | undefined;
  #closing: Promise<void> | undefined;

  /** Starts connecting at once; state goes 'connecting' → 'up', see ready(). */
  constructor(opts: RedisBusOptions, log: BusLogger = silentLogger) {
    const topology = opts.topology ?? (opts.url !== undefined ? singleRedis(opts.url) : undefined);
    if (topology === undefined) throw new RangeError('RedisBus needs a url or a topology');
    this.#log = log;
    this.#clock = opts.clock ?? systemClock;
    this.#tracker = new BusStateTracker(this.#clock);
    this.#target = describeRedisTopology(topology);
    this.#maxLen = opts.historyMaxLen ?? DEFAULT_HISTORY_MAX_LEN;
    if (!Number.isSafeInteger(this.#maxLen) || this.#maxLen < 1) throw new RangeError(`historyMaxLen must be ≥ 1, got ${this.#maxLen}`);
    this.#commandTimeoutMs = opts.commandTimeoutMs ?? 5_000;
    this.#keys = busKeys(opts.keyPrefix ?? 'cf:', opts.txsPartitions ?? 1);
    this.#floor = opts.positionFloor ?? new PositionFloor();
    this.#channels = busChannelsFor(opts.txsPartitions ?? 1);
    const onPublished = opts.onPublished;
    const keysOf = (c: BusChannel): ChannelKeys => this.#keysOf(c);
    this.#batcher = new PublishBatcher({
      keysOf: (c) => this.#keysOf(c),
      maxLen: this.#maxLen,
      floorOf: (c) => {
        const f = this.#floor.get(c);
        return f === undefined ? ['', 0] : [f.epoch, f.seq];
      },
      run: async (channel, token, messages, keys, argv) => {
        const reply = await this.#publishCall.run(channel, token, messages, keys, argv);
        onPublished?.(this.#shards.of(this.#keysOf(channel).pubsub), messages);
        return reply;
      },
    });

    const backoff = { initialDelayMs: 50, maxDelayMs: opts.maxReconnectDelayMs ?? 2_000, factor: 2 };
    const random = opts.random ?? Math.random;
    const client = {
      connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
      retryDelayMs: (attempt: number) => Math.round(backoffMs(attempt - 1, random, backoff)), // ioredis counts from 1
    };
    // Auto-pipelining: the commands issued in one tick (a burst of publishes) leave in one socket write instead of one
    // syscall each; the connection still executes them in order. It is what lets one ingestor publish >20k msg/s.
    this.#pub = createRedisClient(topology, { ...client, connectionName: 'chainfan-bus-pub', autoPipelining: true });
    this.#sub = createRedisClient(topology, { ...client, connectionName: 'chainfan-bus-sub', shardedSubscriber: true });
    this.#shards = new ShardLabels(this.#pub);
    this.#publishCall = new RedisPublishCall({
      pub: this.#pub,
      leaseKey: this.#keys.lease,
      keysOf,
      floor: this.#floor,
      commandTimeoutMs: this.#commandTimeoutMs,
      onFenceRestamp: () => void this.#stats.fenceRestamps++,
      clock: this.#clock,
    });
    this.#lease = new RedisLease({ pub: this.#pub, keys: this.#keys, keysOf, channels: this.#channels, command: (what, run) => this.#command(what, run) });

    for (const conn of [this.#pub, this.#sub]) reconnectWhenEnded(conn, () => this.#closing !== undefined, () => client.retryDelayMs(3), this.#clock);
    this.#pub.on('ready', () => this.#recompute());
    this.#pub.on('close', () => this.#recompute());
    this.#sub.on('ready', () => void this.#resubscribe());
    this.#sub.on('close', () => {
      this.#subSynced = false;
      this.#subGeneration++;
      this.#recompute();
    });
    for (const [role, conn] of [['pub', this.#pub], ['sub', this.#sub]] as const) {
      logConnectionRetries(conn, {
        role,
        target: this.#target,
        log: this.#log,
        onError: (err) => {
          this.#lastError = err.message;
        },
        // both connections go to the same servers: while the publishing one reports, the other stays quiet
        quiet: () => role === 'sub' && this.#pub.status !== 'ready',
      });
    }
    this.#sub.on('smessage', (pubsubChannel: string, wire: string) => this.#onWire(pubsubChannel, wire));
  }

  get state(): BusState {
    return this.#tracker.state;
  }

  /** The latest position this bus knows was published per channel (see RedisBusOptions.positionFloor). */
  get positionFloor(): PositionFloor {
    return this.#floor;
  }

  get stats(): RedisBusStats {
    return { ...this.#stats };
  }

  /** Resolves when the bus is 'up'; rejects with CHAINFAN_TIMEOUT after timeoutMs (the bus keeps retrying). */
  ready(timeoutMs = 10_000): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(closedError());
    return this.#tracker.whenUp(timeoutMs);
  }

  /**
   * See Bus.publish. A CHAINFAN_PUBLISH_TIMEOUT, or a CHAINFAN_BUS_DOWN for a publish already in flight when the
   * connection dropped, leaves the outcome unknown: the message may have been sequenced. Readers see at worst a
   * duplicate payload under a new seq, never a silent gap. Publishes are sequenced in call order (see PublishBatcher
   * and RedisPublishCall).
   */
  async publish(msg: OutgoingEnvelope, opts: PublishOptions = {}): Promise<PublishReceipt> {
    this.#assertOpen();
    checkOutgoing(msg);
    this.#assertConnected('publish');
    try {
      return await this.#batcher.add(msg.channel, encodeEnvelopeTail(msg), opts.fencingToken ?? '', opts.checkpoint ?? '');
    } catch (err) {
      throw this.#busError(err, 'publish', msg.channel);
    }
  }

  /**
   * See Bus.subscribe. The channel is remembered at once: when the bus is not connected this rejects with
   * CHAINFAN_BUS_DOWN, and the channel is subscribed on reconnection, before 'up' is emitted.
   */
  async subscribe(channel: BusChannel): Promise<void> {
    this.#assertOpen();
    this.#wanted.add(channel);
    if (this.#sub.status !== 'ready') throw downError('subscribe', this.#tracker.state, channel);
    try {
      await withDeadline(this.#sub.ssubscribe(this.#keysOf(channel).pubsub), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'subscribe', this.#clock);
    } catch (err) {
      throw this.#busError(err, 'subscribe', channel);
    }
  }

  /** Delivery stops at once, before Redis confirms. While disconnected there is nothing to undo. */
  async unsubscribe(channel: BusChannel): Promise<void> {
    this.#wanted.delete(channel);
    if (this.#closing !== undefined || this.#sub.status !== 'ready') return;
    try {
      await withDeadline(this.#sub.sunsubscribe(this.#keysOf(channel).pubsub), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'unsubscribe', this.#clock);
    } catch (err) {
      throw this.#busError(err, 'unsubscribe', channel);
    }
  }

  /** A later call replaces the handler. A message can arrive just before the 'up' that follows a reconnect. */
  onMessage(handler: (msg: Envelope) => void): void {
    this.#onMessage = handler;
  }

  /** Adds a listener (several components may share one bus); returns its remover. Transitions: connecting → up → down → up … → closed. */
  onStateChange(handler: (state: BusState) => void): () => void {
    return this.#tracker.onChange(handler);
  }

  async history(channel: BusChannel, sinceSeq: number, limit: number): Promise<HistoryRead> {
    this.#assertOpen();
    checkHistoryArgs(sinceSeq, limit);
    this.#assertConnected('history');
    const k = this.#keysOf(channel);
    let res: [error: Error | null, result: unknown][] | null;
    try {
      const tx = this.#pub.multi().get(k.seq).get(k.epoch).xrange(k.history, `${Math.max(sinceSeq, 0) + 1}-0`, '+', 'COUNT', limit);
      res = await withDeadline(tx.exec(), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'history', this.#clock);
    } catch (err) {
      throw this.#busError(err, 'history', channel);
    }
    const [seqRes, epochRes, rangeRes] = res ?? [];
    const failed = [seqRes, epochRes, rangeRes].find((r) => r === undefined || r[0] !== null);
    if (failed !== undefined) throw this.#busError(failed?.[0] ?? new Error('transaction aborted'), 'history', channel);
    const lastSeq = parseSeq(seqRes?.[1]);
    const epoch = epochRes?.[1];
    if (lastSeq === undefined || typeof epoch !== 'string') return { epoch: undefined, messages: [], covered: true };

    const entries = parseStreamEntries(rangeRes?.[1]);
    const messages: Envelope[] = [];
    let dropped = entries === undefined;
    for (const e of entries ?? []) {
      const d = decodeEnvelope(e.wire);
      if (d.ok && d.value.channel === channel && d.value.seq === e.seq && d.value.epoch === epoch) messages.push(d.value);
      else dropped = true;
    }
    if (dropped) this.#countDecodeError(channel, 'history');
    // a corrupt entry is a hole the caller must not paper over: report history as not covering it
    const firstSeq = entries?.[0]?.seq;
    return { epoch, lastSeq, messages, covered: !dropped && isCovered(sinceSeq, firstSeq, lastSeq) };
  }

  async position(channel: BusChannel): Promise<PublishReceipt | undefined> {
    this.#assertOpen();
    this.#assertConnected('position');
    const k = this.#keysOf(channel);
    let res: (string | null)[];
    try {
      res = await withDeadline(this.#pub.mget(k.seq, k.epoch), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'position', this.#clock);
    } catch (err) {
      throw this.#busError(err, 'position', channel);
    }
    const seq = parseSeq(res[0]);
    const epoch = res[1];
    if (seq === undefined || typeof epoch !== 'string') return undefined;
    this.#floor.note(channel, { epoch, seq });
    return { epoch, seq };
  }

  async endEpoch(channel: BusChannel, epoch: string): Promise<boolean> {
    const k = this.#keysOf(channel);
    return (await this.#command('end-epoch', () => this.#pub.eval(END_EPOCH_SCRIPT, 2, k.seq, k.epoch, epoch))) === 1;
  }

  /**
   * Each channel's shard keeps the checkpoint of the last publish on that channel that carried one, stamped with its
   * Redis TIME; the newest wins. (The ingestor carries checkpoints on one channel, blocks, so stamps never compete.)
   */
  async readCheckpoint(): Promise<string | undefined> {
    // Read-your-writes: a publish that timed out may still be queued in the client (a cluster redirect, a slow
    // server) and land after a read. Wait for every script call this bus sent to settle, so a publisher that resumes
    // from the checkpoint after an unknown outcome neither repeats nor skips it.
    const pending = this.#publishCall.unsettled();
    if (pending.length > 0) await this.#command('checkpoint', () => Promise.allSettled(pending));
    const all = await this.#command('checkpoint', () => Promise.all(this.#channels.map((c) => this.#pub.hmget(this.#keysOf(c).checkpoint, 't', 'v'))));
    let best: { t: bigint; v: string } | undefined;
    for (const [t, v] of all) {
      if (typeof t !== 'string' || typeof v !== 'string' || !/^\d{1,30}$/.test(t)) continue;
      const stamp = BigInt(t);
      if (best === undefined || stamp > best.t) best = { t: stamp, v };
    }
    return best?.v;
  }

  /** The lease and its fence copies: see RedisLease. */
  acquireLease(owner: string, ttlMs: number): Promise<string | undefined> {
    return this.#lease.acquire(owner, ttlMs);
  }

  renewLease(token: string, ttlMs: number): Promise<boolean> {
    return this.#lease.renew(token, ttlMs);
  }

  releaseLease(token: string): Promise<void> {
    return this.#lease.release(token);
  }

  /** A coordination command with the bus's deadline; fails fast (CHAINFAN_BUS_DOWN) while disconnected. */
  async #command<T>(what: string, run: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    this.#assertConnected(what);
    try {
      return await withDeadline(run(), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', what, this.#clock);
    } catch (err) {
      throw this.#busError(err, what, undefined);
    }
  }

  /** Shutdown: state 'closed' first (new calls reject), then QUIT both connections within 2 s, then force. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#tracker.set('closed');
      this.#tracker.rejectWaiters(closedError());
      this.#wanted.clear();
      // QUIT only where there is a session to end; a connection still handshaking is just dropped
      await Promise.allSettled([this.#sub, this.#pub].filter((c) => c.status === 'ready').map((c) => withDeadline(c.quit(), QUIT_TIMEOUT_MS, 'CHAINFAN_TIMEOUT', 'quit', this.#clock)));
      this.#sub.disconnect();
      this.#pub.disconnect();
    })();
    return this.#closing;
  }

  async #resubscribe(): Promise<void> {
    const generation = ++this.#subGeneration;
    const channels = [...this.#wanted].map((c) => this.#keysOf(c).pubsub);
    try {
      // one SSUBSCRIBE per channel: on a Cluster the channels live on different slots
      if (channels.length > 0) {
        await withDeadline(Promise.all(channels.map((ch) => this.#sub.ssubscribe(ch))), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'resubscribe', this.#clock);
      }
    } catch (err) {
      // the connection dropped again (its next 'ready' retries) or Redis is too slow (force a reconnect)
      this.#log.warn({ event: 'bus.resubscribe_failed', err, channels: channels.length }, 'resubscribe failed');
      if (generation === this.#subGeneration && this.#closing === undefined) this.#sub.disconnect(true);
      return;
    }
    if (generation !== this.#subGeneration || this.#closing !== undefined) return;
    this.#subSynced = true;
    this.#recompute();
  }

  #recompute(): void {
    if (this.#closing !== undefined) return;
    const up = this.#pub.status === 'ready' && this.#sub.status === 'ready' && this.#subSynced;
    const state = this.#tracker.state;
    const next: BusState = up ? 'up' : state === 'connecting' ? 'connecting' : 'down';
    if (next === state) return;
    if (next === 'up' && state === 'down') {
      this.#stats.reconnects++;
      this.#log.warn({ event: 'bus.up', redis: this.#target, downMs: this.#clock.now() - this.#downSince, channels: this.#wanted.size }, 'bus back after outage');
    } else if (next === 'up') {
      this.#log.info({ event: 'bus.up', redis: this.#target, channels: this.#wanted.size }, 'bus connected');
    } else if (next === 'down') {
      this.#downSince = this.#clock.now();
      this.#log.warn({ event: 'bus.down', redis: this.#target, cause: this.#lastError }, 'bus lost its Redis connection; publishes fail until it is back (retrying with backoff)');
    }
    this.#tracker.set(next);
  }

  #onWire(pubsubChannel: string, wire: string): void {
    const channel = this.#keys.channelByPubsub.get(pubsubChannel);
    if (channel === undefined || !this.#wanted.has(channel)) return; // in flight while unsubscribing
    const d = decodeEnvelope(wire);
    if (!d.ok || d.value.channel !== channel) return this.#countDecodeError(channel, 'live');
    const handler = this.#onMessage;
    if (handler === undefined) return;
    try {
      handler(d.value);
    } catch (err) {
      // a throwing handler is a bug and should crash like one, but not from inside ioredis' reply parser
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  #countDecodeError(channel: BusChannel, source: 'live' | 'history'): void {
    const n = ++this.#stats.decodeErrors;
    // rate-limited: logs the 1st, 2nd, 4th, 8th … occurrence
    if ((n & (n - 1)) === 0) this.#log.warn({ event: 'bus.decode_error', channel, source, total: n }, 'undecodable bus message dropped');
  }

  #keysOf(channel: BusChannel): ChannelKeys {
    const k = this.#keys.channels.get(channel);
    if (k === undefined) throw new RangeError(`unknown bus channel ${String(channel)}`);
    return k;
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw closedError();
  }

  #assertConnected(what: string): void {
    if (this.#pub.status !== 'ready') throw downError(what, this.#tracker.state, undefined);
  }

  #busError(err: unknown, what: string, channel: BusChannel | undefined): ChainfanError {
    if (err instanceof ChainfanError) return err;
    if (this.#closing !== undefined) return new ChainfanError('CHAINFAN_BUS_CLOSED', `${what}: bus closed`, { cause: err, context: { channel } });
    if (isReplyError(err) && err.message.startsWith(FENCED_REPLY_CODE)) {
      return new ChainfanError('CHAINFAN_PUBLISH_FENCED', `${what}: fencing token is stale; another publisher holds the lease`, {
        cause: err,
        context: { channel },
      });
    }
    const detail = err instanceof Error ? err.message : String(err);
    return new ChainfanError('CHAINFAN_BUS_DOWN', `${what} failed: ${detail}`, { cause: err, context: { channel } });
  }
}
