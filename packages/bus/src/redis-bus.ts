// Bus over Redis (ioredis 5) — one server, Sentinel or Cluster: an atomic Lua publish per channel into sharded
// pub/sub + a bounded Stream per channel. With redis-clients.ts, the only module that talks to ioredis.
// The key layout is in redis-keys.ts: every key of a channel shares its hash tag, so each publish runs on one shard.
import {
  backoffMs, BUS_CHANNELS, type BusChannel, ChainfanError, decodeEnvelope, encodeEnvelopeTail, type Envelope, type OutgoingEnvelope, rootCause,
} from '@chainfan/protocol';
import type { Bus, BusState, Coordinator, HistoryRead, PublishOptions, PublishReceipt } from './bus.js';
import { type BusLogger, silentLogger } from './bus-logger.js';
import { withDeadline } from './deadline.js';
import { checkHistoryArgs, isCovered } from './history-window.js';
import { DEFAULT_HISTORY_MAX_LEN } from './memory-bus.js';
import { PositionFloor } from './position-floor.js';
import { PublishBatcher } from './publish-batcher.js';
import { checkOutgoing } from './publish-check.js';
import {
  ACQUIRE_LEASE_SCRIPT, END_EPOCH_SCRIPT, CLEAR_FENCE_SCRIPT, FENCED_REPLY_CODE, NO_FENCE_REPLY_CODE, PUBLISH_SCRIPT, PUBLISH_SCRIPT_SHA1, RELEASE_LEASE_SCRIPT,
  RENEW_LEASE_SCRIPT, STAMP_FENCE_SCRIPT,
} from './publish-script.js';
import { closedError, downError } from './redis-bus-errors.js';
import { createRedisClient, reconnectWhenEnded, type RedisClient } from './redis-clients.js';
import { busKeys, type BusKeys, type ChannelKeys } from './redis-keys.js';
import { isReplyError, parseSeq, parseStreamEntries } from './redis-replies.js';
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

interface UpWaiter {
  resolve(): void;
  reject(err: Error): void;
}

const QUIT_TIMEOUT_MS = 2_000;

/** KEYS: 1 lease. ARGV: 1 token. The lease's remaining ms when it still holds the token, else 0. */
const RESTAMP_CHECK_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PTTL', KEYS[1])
`;

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
  /** per channel: highest confirmed seq in its epoch + messages sent with an unknown outcome (PUBLISH_SCRIPT floor) */
  readonly #floor: PositionFloor;
  #lastTokenCounter = 0;
  /** publish script calls sent and not yet answered — including those whose caller already got a timeout */
  readonly #unsettled = new Set<Promise<unknown>>();
  readonly #upWaiters = new Set<UpWaiter>();
  readonly #stats = { decodeErrors: 0, reconnects: 0, fenceRestamps: 0 };
  #state: BusState = 'connecting';
  #downSince = 0;
  #lastError = '';
  #subSynced = false;
  #subGeneration = 0;
  #onMessage: ((msg: Envelope) => void) | undefined;
  readonly #stateListeners = new Set<(state: BusState) => void>();
  #closing: Promise<void> | undefined;

  /** Starts connecting at once; state goes 'connecting' → 'up', see ready(). */
  constructor(opts: RedisBusOptions, log: BusLogger = silentLogger) {
    const topology = opts.topology ?? (opts.url !== undefined ? singleRedis(opts.url) : undefined);
    if (topology === undefined) throw new RangeError('RedisBus needs a url or a topology');
    this.#log = log;
    this.#target = describeRedisTopology(topology);
    this.#maxLen = opts.historyMaxLen ?? DEFAULT_HISTORY_MAX_LEN;
    if (!Number.isSafeInteger(this.#maxLen) || this.#maxLen < 1) throw new RangeError(`historyMaxLen must be ≥ 1, got ${this.#maxLen}`);
    this.#commandTimeoutMs = opts.commandTimeoutMs ?? 5_000;
    this.#keys = busKeys(opts.keyPrefix ?? 'cf:');
    this.#floor = opts.positionFloor ?? new PositionFloor();
    this.#batcher = new PublishBatcher({
      keysOf: (c) => this.#keysOf(c),
      maxLen: this.#maxLen,
      floorOf: (c) => {
        const f = this.#floor.get(c);
        return f === undefined ? ['', 0] : [f.epoch, f.seq];
      },
      run: (channel, token, messages, keys, argv) => {
        const call = this.#evalPublish(channel, token, keys, argv);
        this.#unsettled.add(call);
        call.finally(() => this.#unsettled.delete(call)).catch(() => undefined); // the outcome is handled below
        return this.#trackFloor(channel, messages, withDeadline(call, this.#commandTimeoutMs, 'CHAINFAN_PUBLISH_TIMEOUT', 'publish'));
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

    for (const conn of [this.#pub, this.#sub]) reconnectWhenEnded(conn, () => this.#closing !== undefined, () => client.retryDelayMs(3));
    this.#pub.on('ready', () => this.#recompute());
    this.#pub.on('close', () => this.#recompute());
    this.#sub.on('ready', () => void this.#resubscribe());
    this.#sub.on('close', () => {
      this.#subSynced = false;
      this.#subGeneration++;
      this.#recompute();
    });
    for (const [role, conn] of [['pub', this.#pub], ['sub', this.#sub]] as const) {
      // Every failed attempt emits 'error', then 'reconnecting' with the delay ioredis chose: one warn line per retry,
      // naming the server (password masked), the cause and the next try. An expected network error carries no stack.
      let lastError: Error | undefined;
      let attempt = 0;
      conn.on('error', (err: Error) => {
        this.#lastError = err.message;
        lastError = err;
        this.#log.debug({ event: 'bus.redis_error', role, redis: this.#target, cause: rootCause(err) }, 'redis connection error');
      });
      conn.on('ready', () => {
        attempt = 0;
      });
      conn.on('reconnecting', (delayMs: unknown) => {
        attempt++;
        // both connections go to the same servers: while the publishing one reports, the other stays quiet
        if (role === 'sub' && this.#pub.status !== 'ready') return;
        const cause = lastError === undefined ? 'connection closed' : rootCause(lastError);
        lastError = undefined;
        const retryInMs = typeof delayMs === 'number' ? delayMs : undefined;
        this.#log.warn(
          { event: 'bus.redis_unreachable', role, redis: this.#target, cause, attempt, retryInMs },
          `Redis (${this.#target}) unreachable (${cause}); retrying${retryInMs === undefined ? '' : ` in ${retryInMs} ms`}`,
        );
      });
    }
    this.#sub.on('smessage', (pubsubChannel: string, wire: string) => this.#onWire(pubsubChannel, wire));
  }

  get state(): BusState {
    return this.#state;
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
    if (this.#state === 'up') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: UpWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.#upWaiters.delete(waiter);
        reject(new ChainfanError('CHAINFAN_TIMEOUT', `bus not up after ${timeoutMs} ms (state ${this.#state})`));
      }, timeoutMs);
      this.#upWaiters.add(waiter);
    });
  }

  /**
   * See Bus.publish. A CHAINFAN_PUBLISH_TIMEOUT, or a CHAINFAN_BUS_DOWN for a publish already in flight when the
   * connection dropped, leaves the outcome unknown: the message may have been sequenced. Readers see at worst a
   * duplicate payload under a new seq, never a silent gap.
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
    if (this.#sub.status !== 'ready') throw downError('subscribe', this.#state, channel);
    try {
      await withDeadline(this.#sub.ssubscribe(this.#keysOf(channel).pubsub), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'subscribe');
    } catch (err) {
      throw this.#busError(err, 'subscribe', channel);
    }
  }

  /** Delivery stops at once, before Redis confirms. While disconnected there is nothing to undo. */
  async unsubscribe(channel: BusChannel): Promise<void> {
    this.#wanted.delete(channel);
    if (this.#closing !== undefined || this.#sub.status !== 'ready') return;
    try {
      await withDeadline(this.#sub.sunsubscribe(this.#keysOf(channel).pubsub), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'unsubscribe');
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
    this.#stateListeners.add(handler);
    return () => this.#stateListeners.delete(handler);
  }

  async history(channel: BusChannel, sinceSeq: number, limit: number): Promise<HistoryRead> {
    this.#assertOpen();
    checkHistoryArgs(sinceSeq, limit);
    this.#assertConnected('history');
    const k = this.#keysOf(channel);
    let res: [error: Error | null, result: unknown][] | null;
    try {
      const tx = this.#pub.multi().get(k.seq).get(k.epoch).xrange(k.history, `${Math.max(sinceSeq, 0) + 1}-0`, '+', 'COUNT', limit);
      res = await withDeadline(tx.exec(), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'history');
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
      res = await withDeadline(this.#pub.mget(k.seq, k.epoch), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'position');
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
    const pending = [...this.#unsettled];
    if (pending.length > 0) await this.#command('checkpoint', () => Promise.allSettled(pending));
    const all = await this.#command('checkpoint', () => Promise.all(BUS_CHANNELS.map((c) => this.#pub.hmget(this.#keysOf(c).checkpoint, 't', 'v'))));
    let best: { t: bigint; v: string } | undefined;
    for (const [t, v] of all) {
      if (typeof t !== 'string' || typeof v !== 'string' || !/^\d{1,30}$/.test(t)) continue;
      const stamp = BigInt(t);
      if (best === undefined || stamp > best.t) best = { t: stamp, v };
    }
    return best?.v;
  }

  /**
   * The lease lives on its own slot; its token is then copied to every channel's fence key (each publish script
   * compares against its own shard's copy). The copy refuses to replace a newer leader's token, so a leader that
   * stamped every channel has fenced out every earlier one before its first publish.
   */
  async acquireLease(owner: string, ttlMs: number): Promise<string | undefined> {
    const ttl = Math.ceil(ttlMs);
    const fences = await this.#command('lease', () => Promise.all(BUS_CHANNELS.map((c) => this.#pub.get(this.#keysOf(c).fence))));
    // above every fence's token, and never below this process's clock in ms (nor a token it saw): tokens keep
    // growing when Redis lost the counter and the fences with its data
    const highest = Math.max(Date.now(), this.#lastTokenCounter, ...fences.map((f) => Number(/^(\d+):/.exec(f ?? '')?.[1] ?? 0)));
    const v = await this.#command('lease', () => this.#pub.eval(ACQUIRE_LEASE_SCRIPT, 2, this.#keys.lease, this.#keys.leaseCounter, owner, ttl, highest));
    if (typeof v !== 'string') return undefined;
    const counter = Number(v.slice(0, v.indexOf(':')));
    if (Number.isSafeInteger(counter) && counter > this.#lastTokenCounter) this.#lastTokenCounter = counter;
    if (await this.#stampFences(v, ttl)) return v;
    // a fence holds a larger token than the lease counter just issued: the counter was lost (Redis lost data)
    await this.releaseLease(v);
    return undefined;
  }

  async renewLease(token: string, ttlMs: number): Promise<boolean> {
    const ttl = Math.ceil(ttlMs);
    if ((await this.#command('lease', () => this.#pub.eval(RENEW_LEASE_SCRIPT, 1, this.#keys.lease, token, ttl))) !== 1) return false;
    return this.#stampFences(token, ttl);
  }

  async releaseLease(token: string): Promise<void> {
    await this.#command('lease', () => this.#pub.eval(RELEASE_LEASE_SCRIPT, 1, this.#keys.lease, token));
    await this.#command('lease', () => Promise.all(BUS_CHANNELS.map((c) => this.#pub.eval(CLEAR_FENCE_SCRIPT, 1, this.#keysOf(c).fence, token))));
  }

  /** true when every channel's fence now holds `token` (false: some fence has a newer leader's token). */
  async #stampFences(token: string, ttl: number): Promise<boolean> {
    const res = await this.#command('lease', () => Promise.all(BUS_CHANNELS.map((c) => this.#pub.eval(STAMP_FENCE_SCRIPT, 1, this.#keysOf(c).fence, token, ttl))));
    return res.every((r) => r === 1);
  }

  /** A coordination command with the bus's deadline; fails fast (CHAINFAN_BUS_DOWN) while disconnected. */
  async #command<T>(what: string, run: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    this.#assertConnected(what);
    try {
      return await withDeadline(run(), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', what);
    } catch (err) {
      throw this.#busError(err, what, undefined);
    }
  }

  /** Shutdown: state 'closed' first (new calls reject), then QUIT both connections within 2 s, then force. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#setState('closed');
      for (const w of this.#upWaiters) w.reject(closedError());
      this.#upWaiters.clear();
      this.#wanted.clear();
      // QUIT only where there is a session to end; a connection still handshaking is just dropped
      await Promise.allSettled([this.#sub, this.#pub].filter((c) => c.status === 'ready').map((c) => withDeadline(c.quit(), QUIT_TIMEOUT_MS, 'CHAINFAN_TIMEOUT', 'quit')));
      this.#sub.disconnect();
      this.#pub.disconnect();
    })();
    return this.#closing;
  }

  /** Moves the channel's floor: to the last confirmed seq, or past the messages whose outcome is unknown. */
  async #trackFloor(channel: BusChannel, messages: number, call: Promise<unknown>): Promise<unknown> {
    try {
      const reply = await call;
      const epoch: unknown = Array.isArray(reply) ? reply[reply.length - 2] : undefined;
      const seq: unknown = Array.isArray(reply) ? reply[reply.length - 1] : undefined;
      if (typeof epoch === 'string' && typeof seq === 'number') {
        this.#floor.note(channel, { epoch, seq });
      }
      return reply;
    } catch (err) {
      // a reply error means the script did not run (or stopped before its seq was stored); a fence refusal sequenced
      // nothing. Anything else (a dropped connection, the deadline) may have published: count those messages.
      const known = isReplyError(err) || (err instanceof ChainfanError && err.code === 'CHAINFAN_PUBLISH_FENCED');
      const f = this.#floor.get(channel);
      if (!known && f !== undefined) this.#floor.note(channel, { epoch: f.epoch, seq: f.seq + messages });
      throw err;
    }
  }

  async #evalPublish(channel: BusChannel, token: string, keys: readonly string[], argv: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.#evalPublishScript(keys, argv);
    } catch (err) {
      if (!(isReplyError(err) && err.message.startsWith(NO_FENCE_REPLY_CODE))) throw err;
    }
    // The channel's shard lost its fence copy (a failover to a replica that had not received it, or it expired
    // while the renewal was late). Re-stamp it only while the lease itself still holds this token, then retry once;
    // nothing was sequenced by the refused call.
    this.#stats.fenceRestamps++;
    const pttl = Number(await this.#pub.eval(RESTAMP_CHECK_SCRIPT, 1, this.#keys.lease, token));
    if (!(pttl > 0) || (await this.#pub.eval(STAMP_FENCE_SCRIPT, 1, this.#keysOf(channel).fence, token, pttl)) !== 1) {
      throw new ChainfanError('CHAINFAN_PUBLISH_FENCED', 'publish: fencing token is stale; another publisher holds the lease', { context: { channel } });
    }
    return await this.#evalPublishScript(keys, argv);
  }

  async #evalPublishScript(keys: readonly string[], argv: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.#pub.evalsha(PUBLISH_SCRIPT_SHA1, keys.length, ...keys, ...argv);
    } catch (err) {
      // the script cache is empty after a Redis restart, a failover or SCRIPT FLUSH: send the body once, EVAL caches it
      if (isReplyError(err) && err.message.startsWith('NOSCRIPT')) return await this.#pub.eval(PUBLISH_SCRIPT, keys.length, ...keys, ...argv);
      throw err;
    }
  }

  async #resubscribe(): Promise<void> {
    const generation = ++this.#subGeneration;
    const channels = [...this.#wanted].map((c) => this.#keysOf(c).pubsub);
    try {
      // one SSUBSCRIBE per channel: on a Cluster the channels live on different slots
      if (channels.length > 0) {
        await withDeadline(Promise.all(channels.map((ch) => this.#sub.ssubscribe(ch))), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'resubscribe');
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
    const next: BusState = up ? 'up' : this.#state === 'connecting' ? 'connecting' : 'down';
    if (next === this.#state) return;
    if (next === 'up' && this.#state === 'down') {
      this.#stats.reconnects++;
      this.#log.warn({ event: 'bus.up', redis: this.#target, downMs: Date.now() - this.#downSince, channels: this.#wanted.size }, 'bus back after outage');
    } else if (next === 'up') {
      this.#log.info({ event: 'bus.up', redis: this.#target, channels: this.#wanted.size }, 'bus connected');
    } else if (next === 'down') {
      this.#downSince = Date.now();
      this.#log.warn({ event: 'bus.down', redis: this.#target, cause: this.#lastError }, 'bus lost its Redis connection; publishes fail until it is back (retrying with backoff)');
    }
    this.#setState(next);
    if (next === 'up') {
      for (const w of this.#upWaiters) w.resolve();
      this.#upWaiters.clear();
    }
  }

  #setState(next: BusState): void {
    this.#state = next;
    for (const l of this.#stateListeners) l(next);
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
    if (this.#pub.status !== 'ready') throw downError(what, this.#state, undefined);
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
