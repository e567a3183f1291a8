// Bus over Redis (ioredis 5): atomic Lua publish into pub/sub + a bounded Stream per channel. The only module
// that imports ioredis.
//
// Key layout, with prefix P (default `cf:`) and bus channel C:
//   P<C>        pub/sub channel carrying the wire string of every envelope
//   Ph:<C>      Stream of history: entry ID `<seq>-0`, field `m` = wire string, exact MAXLEN (historyMaxLen)
//   Pseq:<C>    last seq assigned in the current epoch (string integer)
//   Pep:<C>     current epoch: Redis TIME (seconds + 6-digit µs) when the sequence (re)started
//   Please      current fencing token of the active publisher; a fenced publish must match it
// The epoch is recreated, and the old history deleted, whenever Pseq:<C> or Pep:<C> is missing (first publish,
// or a Redis that lost its data), so (epoch, seq) never repeats for different messages.
// Not Redis-Cluster-safe yet: the script touches keys of different slots (DESIGN.md §3, sharded pub/sub later).
import {
  backoffMs, BUS_CHANNELS, type BusChannel, ChainfanError, decodeEnvelope, encodeEnvelopeTail, type Envelope, type OutgoingEnvelope,
} from '@chainfan/protocol';
import { Redis, type RedisOptions } from 'ioredis';
import type { Bus, BusState, Coordinator, HistoryRead, PublishOptions, PublishReceipt } from './bus.js';
import { type BusLogger, silentLogger } from './bus-logger.js';
import { withDeadline } from './deadline.js';
import { checkHistoryArgs, isCovered } from './history-window.js';
import { DEFAULT_HISTORY_MAX_LEN } from './memory-bus.js';
import { PublishBatcher } from './publish-batcher.js';
import { checkOutgoing } from './publish-check.js';
import { PositionFloor } from './position-floor.js';
import {
  ACQUIRE_LEASE_SCRIPT, END_EPOCH_SCRIPT, FENCED_REPLY_CODE, PUBLISH_SCRIPT, PUBLISH_SCRIPT_SHA1, RELEASE_LEASE_SCRIPT, RENEW_LEASE_SCRIPT,
} from './publish-script.js';

export interface RedisBusOptions {
  readonly url: string;
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
   * What this process knows was published (seeded from a durable file by the ingestor): publishes never reuse a
   * position behind it. Default: an empty floor that learns from this bus's own receipts and position reads.
   */
  readonly positionFloor?: PositionFloor;
}

export type { PublishOptions } from './bus.js';

export interface RedisBusStats {
  /** pub/sub messages and history entries that were not valid envelopes of their channel (dropped, never thrown) */
  readonly decodeErrors: number;
  /** times the bus came back 'up' after being 'down' */
  readonly reconnects: number;
}

interface ChannelKeys {
  readonly pubsub: string;
  readonly history: string;
  readonly seq: string;
  readonly epoch: string;
}

interface UpWaiter {
  resolve(): void;
  reject(err: Error): void;
}

const QUIT_TIMEOUT_MS = 2_000;

export class RedisBus implements Bus, Coordinator {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #log: BusLogger;
  readonly #keys: ReadonlyMap<BusChannel, ChannelKeys>;
  readonly #channelByPubsub: ReadonlyMap<string, BusChannel>;
  readonly #leaseKey: string;
  readonly #leaseCounterKey: string;
  readonly #checkpointKey: string;
  readonly #maxLen: number;
  readonly #commandTimeoutMs: number;
  readonly #batcher: PublishBatcher;
  readonly #floor: PositionFloor;
  #lastTokenCounter = 0;
  readonly #wanted = new Set<BusChannel>();
  readonly #upWaiters = new Set<UpWaiter>();
  readonly #stats = { decodeErrors: 0, reconnects: 0 };
  #state: BusState = 'connecting';
  #downSince = 0;
  #subSynced = false;
  #subGeneration = 0;
  #onMessage: ((msg: Envelope) => void) | undefined;
  readonly #stateListeners = new Set<(state: BusState) => void>();
  #closing: Promise<void> | undefined;

  /** Starts connecting at once; state goes 'connecting' → 'up', see ready(). */
  constructor(opts: RedisBusOptions, log: BusLogger = silentLogger) {
    const prefix = opts.keyPrefix ?? 'cf:';
    this.#log = log;
    this.#maxLen = opts.historyMaxLen ?? DEFAULT_HISTORY_MAX_LEN;
    if (!Number.isSafeInteger(this.#maxLen) || this.#maxLen < 1) throw new RangeError(`historyMaxLen must be ≥ 1, got ${this.#maxLen}`);
    this.#commandTimeoutMs = opts.commandTimeoutMs ?? 5_000;
    this.#leaseKey = `${prefix}lease`;
    this.#leaseCounterKey = `${prefix}lease:counter`;
    this.#checkpointKey = `${prefix}checkpoint`;
    this.#keys = new Map(
      BUS_CHANNELS.map((c) => [c, { pubsub: `${prefix}${c}`, history: `${prefix}h:${c}`, seq: `${prefix}seq:${c}`, epoch: `${prefix}ep:${c}` }]),
    );
    this.#channelByPubsub = new Map(BUS_CHANNELS.map((c) => [`${prefix}${c}`, c]));
    this.#floor = opts.positionFloor ?? new PositionFloor();
    this.#batcher = new PublishBatcher({
      keysOf: (c) => this.#keysOf(c),
      floorOf: (c) => this.#floor.get(c),
      leaseKey: this.#leaseKey,
      checkpointKey: this.#checkpointKey,
      maxLen: this.#maxLen,
      run: (keys, argv) => withDeadline(this.#evalPublish(keys, argv), this.#commandTimeoutMs, 'CHAINFAN_PUBLISH_TIMEOUT', 'publish'),
    });

    const backoff = { initialDelayMs: 50, maxDelayMs: opts.maxReconnectDelayMs ?? 2_000, factor: 2 };
    const random = opts.random ?? Math.random;
    const common: RedisOptions = {
      connectTimeout: opts.connectTimeoutMs ?? 5_000,
      retryStrategy: (attempt: number) => Math.round(backoffMs(attempt - 1, random, backoff)), // ioredis counts from 1
      // Nothing waits behind the caller's back during an outage: commands fail at once while disconnected, and
      // commands in flight when the connection drops are rejected instead of being replayed after reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // we re-subscribe ourselves, so that 'up' is emitted only once Redis has confirmed every channel
      autoResubscribe: false,
    };
    // Auto-pipelining: the commands issued in one tick (a burst of publishes) leave in one socket write instead of one
    // syscall each; the connection still executes them in order. It is what lets one ingestor publish >20k msg/s.
    this.#pub = new Redis(opts.url, { ...common, connectionName: 'chainfan-bus-pub', enableAutoPipelining: true });
    this.#sub = new Redis(opts.url, { ...common, connectionName: 'chainfan-bus-sub' });

    this.#pub.on('ready', () => this.#recompute());
    this.#pub.on('close', () => this.#recompute());
    this.#sub.on('ready', () => void this.#resubscribe());
    this.#sub.on('close', () => {
      this.#subSynced = false;
      this.#subGeneration++;
      this.#recompute();
    });
    for (const [role, conn] of [['pub', this.#pub], ['sub', this.#sub]] as const) {
      // every failed reconnect attempt emits one; the state transition is what gets logged above debug
      conn.on('error', (err: Error) => this.#log.debug({ event: 'bus.redis_error', role, err }, 'redis connection error'));
    }
    this.#sub.on('message', (pubsubChannel: string, wire: string) => this.#onWire(pubsubChannel, wire));
  }

  get state(): BusState {
    return this.#state;
  }

  get stats(): RedisBusStats {
    return { ...this.#stats };
  }

  /** The latest position this bus knows was published per channel (see RedisBusOptions.positionFloor). */
  get positionFloor(): PositionFloor {
    return this.#floor;
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
      const receipt = await this.#batcher.add(msg.channel, encodeEnvelopeTail(msg), opts.fencingToken ?? '', opts.checkpoint ?? '');
      this.#floor.note(msg.channel, receipt);
      return receipt;
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
      await withDeadline(this.#sub.subscribe(this.#keysOf(channel).pubsub), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'subscribe');
    } catch (err) {
      throw this.#busError(err, 'subscribe', channel);
    }
  }

  /** Delivery stops at once, before Redis confirms. While disconnected there is nothing to undo. */
  async unsubscribe(channel: BusChannel): Promise<void> {
    this.#wanted.delete(channel);
    if (this.#closing !== undefined || this.#sub.status !== 'ready') return;
    try {
      await withDeadline(this.#sub.unsubscribe(this.#keysOf(channel).pubsub), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'unsubscribe');
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

  async readCheckpoint(): Promise<string | undefined> {
    const v = await this.#command('checkpoint', () => this.#pub.get(this.#checkpointKey));
    return v ?? undefined;
  }

  /**
   * See Coordinator.acquireLease. The counter never goes below this process's clock in ms (nor below a token this
   * bus saw), so tokens keep growing across a Redis that restarted empty.
   */
  async acquireLease(owner: string, ttlMs: number): Promise<string | undefined> {
    const floor = Math.max(Date.now(), this.#lastTokenCounter + 1);
    const v = await this.#command('lease', () => this.#pub.eval(ACQUIRE_LEASE_SCRIPT, 2, this.#leaseKey, this.#leaseCounterKey, owner, Math.ceil(ttlMs), floor));
    if (typeof v !== 'string') return undefined;
    const counter = Number(v.slice(0, v.indexOf(':')));
    if (Number.isSafeInteger(counter) && counter > this.#lastTokenCounter) this.#lastTokenCounter = counter;
    return v;
  }

  async renewLease(token: string, ttlMs: number): Promise<boolean> {
    return (await this.#command('lease', () => this.#pub.eval(RENEW_LEASE_SCRIPT, 1, this.#leaseKey, token, Math.ceil(ttlMs)))) === 1;
  }

  async releaseLease(token: string): Promise<void> {
    await this.#command('lease', () => this.#pub.eval(RELEASE_LEASE_SCRIPT, 1, this.#leaseKey, token));
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
      await Promise.allSettled([this.#sub, this.#pub].map((c) => withDeadline(c.quit(), QUIT_TIMEOUT_MS, 'CHAINFAN_TIMEOUT', 'quit')));
      this.#sub.disconnect();
      this.#pub.disconnect();
    })();
    return this.#closing;
  }

  async #evalPublish(keys: readonly string[], argv: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.#pub.evalsha(PUBLISH_SCRIPT_SHA1, keys.length, ...keys, ...argv);
    } catch (err) {
      // the script cache is empty after a Redis restart or SCRIPT FLUSH: send the body once, EVAL caches it
      if (isReplyError(err) && err.message.startsWith('NOSCRIPT')) return await this.#pub.eval(PUBLISH_SCRIPT, keys.length, ...keys, ...argv);
      throw err;
    }
  }

  async #resubscribe(): Promise<void> {
    const generation = ++this.#subGeneration;
    const channels = [...this.#wanted].map((c) => this.#keysOf(c).pubsub);
    try {
      if (channels.length > 0) {
        await withDeadline(this.#sub.subscribe(...channels), this.#commandTimeoutMs, 'CHAINFAN_TIMEOUT', 'resubscribe');
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
      this.#log.warn({ event: 'bus.up', downMs: Date.now() - this.#downSince, channels: this.#wanted.size }, 'bus back after outage');
    } else if (next === 'up') {
      this.#log.info({ event: 'bus.up', channels: this.#wanted.size }, 'bus connected');
    } else if (next === 'down') {
      this.#downSince = Date.now();
      this.#log.warn({ event: 'bus.down' }, 'bus lost its Redis connection; publishes fail until it is back');
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
    const channel = this.#channelByPubsub.get(pubsubChannel);
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
    const k = this.#keys.get(channel);
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

function closedError(): ChainfanError {
  return new ChainfanError('CHAINFAN_BUS_CLOSED', 'bus is closed');
}

function downError(what: string, state: BusState, channel: BusChannel | undefined): ChainfanError {
  return new ChainfanError('CHAINFAN_BUS_DOWN', `${what}: bus is ${state}; nothing is queued`, channel === undefined ? {} : { context: { channel } });
}

function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

function parseSeq(raw: unknown): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** XRANGE reply → (seq, wire) pairs; undefined when the reply does not have the stream shape. */
function parseStreamEntries(raw: unknown): { seq: number; wire: string }[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: { seq: number; wire: string }[] = [];
  for (const entry of raw as unknown[]) {
    if (!Array.isArray(entry)) return undefined;
    const [id, fields] = entry as unknown[];
    if (typeof id !== 'string' || !Array.isArray(fields)) return undefined;
    const seq = parseSeq(id.endsWith('-0') ? id.slice(0, -2) : undefined);
    const at = (fields as unknown[]).indexOf('m');
    const wire = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
    if (seq === undefined || typeof wire !== 'string') return undefined;
    out.push({ seq, wire });
  }
  return out;
}
