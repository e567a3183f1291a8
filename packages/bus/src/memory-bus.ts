// In-process Bus with the RedisBus contract: the embedded default for `chainfan dev` and for unit tests.
import { randomBytes } from 'node:crypto';
import {
  type BusChannel, ChainfanError, composeWire, encodeEnvelopeTail, ENVELOPE_VERSION, type Envelope, type OutgoingEnvelope,
} from '@chainfan/protocol';
import type { Bus, BusState, Coordinator, HistoryRead, PublishOptions, PublishReceipt } from './bus.js';
import { checkHistoryArgs, isCovered } from './history-window.js';
import { checkOutgoing } from './publish-check.js';

export const DEFAULT_HISTORY_MAX_LEN = 10_000;

export interface MemoryBusOptions {
  /** messages kept per channel; older ones are trimmed exactly like Redis' MAXLEN */
  readonly historyMaxLen?: number;
  /** one epoch for every channel of this instance; random by default, so a restarted process voids positions */
  readonly epoch?: string;
  /** lease expiry clock, default Date.now */
  readonly now?: () => number;
}

/** Ring of the last `cap` envelopes of one channel; seqs are contiguous, so slot = seq % cap. */
class ChannelLog {
  seq = 0;
  readonly #ring: (Envelope | undefined)[];
  constructor(readonly cap: number, readonly epoch: string) {
    this.#ring = new Array<Envelope | undefined>(cap);
  }
  append(env: Envelope): void {
    this.seq = env.seq;
    this.#ring[env.seq % this.cap] = env;
  }
  get firstSeq(): number {
    return Math.max(1, this.seq - this.cap + 1);
  }
  at(seq: number): Envelope | undefined {
    return seq >= this.firstSeq && seq <= this.seq ? this.#ring[seq % this.cap] : undefined;
  }
}

export class MemoryBus implements Bus, Coordinator {
  readonly #epoch: string;
  readonly #maxLen: number;
  readonly #logs = new Map<BusChannel, ChannelLog>();
  /** channels whose epoch was ended: their next log starts a fresh random epoch */
  readonly #ended = new Set<BusChannel>();
  readonly #subscribed = new Set<BusChannel>();
  #onMessage: ((msg: Envelope) => void) | undefined;
  readonly #stateListeners = new Set<(state: BusState) => void>();
  #closing: Promise<void> | undefined;
  #checkpoint: string | undefined;
  #lease: { token: string; expiresAt: number } | undefined;
  #leaseCounter = 0;
  readonly #now: () => number;

  constructor(opts: MemoryBusOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#maxLen = opts.historyMaxLen ?? DEFAULT_HISTORY_MAX_LEN;
    if (!Number.isSafeInteger(this.#maxLen) || this.#maxLen < 1) throw new RangeError(`historyMaxLen must be ≥ 1, got ${this.#maxLen}`);
    this.#epoch = opts.epoch ?? randomBytes(8).toString('hex');
  }

  get state(): BusState {
    return this.#closing === undefined ? 'up' : 'closed';
  }

  async publish(msg: OutgoingEnvelope, opts: PublishOptions = {}): Promise<PublishReceipt> {
    this.#assertOpen();
    checkOutgoing(msg);
    if (opts.fencingToken !== undefined && this.#liveLease()?.token !== opts.fencingToken) {
      throw new ChainfanError('CHAINFAN_PUBLISH_FENCED', 'publish: fencing token is stale; another publisher holds the lease', { context: { channel: msg.channel } });
    }
    if (opts.checkpoint !== undefined) this.#checkpoint = opts.checkpoint;
    const log = this.#log(msg.channel);
    const seq = log.seq + 1;
    const env: Envelope = {
      v: ENVELOPE_VERSION,
      channel: msg.channel,
      epoch: log.epoch,
      seq,
      ts: msg.ts,
      kind: msg.kind,
      keys: msg.keys ?? {},
      body: msg.body,
      wire: composeWire(log.epoch, seq, encodeEnvelopeTail(msg)),
    };
    log.append(env);
    // asynchronous like a network bus, so callers cannot come to rely on re-entrant delivery; microtasks keep order
    if (this.#subscribed.has(msg.channel)) queueMicrotask(() => this.#deliver(env));
    return { epoch: log.epoch, seq };
  }

  async subscribe(channel: BusChannel): Promise<void> {
    this.#assertOpen();
    this.#subscribed.add(channel);
  }

  async unsubscribe(channel: BusChannel): Promise<void> {
    this.#subscribed.delete(channel);
  }

  /** A later call replaces the handler. */
  onMessage(handler: (msg: Envelope) => void): void {
    this.#onMessage = handler;
  }

  /** Adds a listener (several components may share one bus); returns its remover. The only transition a MemoryBus makes is up → closed. */
  onStateChange(handler: (state: BusState) => void): () => void {
    this.#stateListeners.add(handler);
    return () => this.#stateListeners.delete(handler);
  }

  async history(channel: BusChannel, sinceSeq: number, limit: number): Promise<HistoryRead> {
    this.#assertOpen();
    checkHistoryArgs(sinceSeq, limit);
    const log = this.#logs.get(channel);
    if (log === undefined) return { epoch: undefined, messages: [], covered: true };
    const messages: Envelope[] = [];
    const from = Math.max(sinceSeq + 1, log.firstSeq);
    const to = Math.min(log.seq, from + limit - 1);
    for (let s = from; s <= to; s++) {
      const env = log.at(s);
      if (env !== undefined) messages.push(env);
    }
    return { epoch: log.epoch, lastSeq: log.seq, messages, covered: isCovered(sinceSeq, messages[0]?.seq, log.seq) };
  }

  async position(channel: BusChannel): Promise<PublishReceipt | undefined> {
    this.#assertOpen();
    const log = this.#logs.get(channel);
    return log === undefined ? undefined : { epoch: log.epoch, seq: log.seq };
  }

  async endEpoch(channel: BusChannel, epoch: string): Promise<boolean> {
    this.#assertOpen();
    if (this.#logs.get(channel)?.epoch !== epoch) return false;
    this.#logs.delete(channel);
    this.#ended.add(channel);
    return true;
  }

  async readCheckpoint(): Promise<string | undefined> {
    this.#assertOpen();
    return this.#checkpoint;
  }

  async acquireLease(owner: string, ttlMs: number): Promise<string | undefined> {
    this.#assertOpen();
    if (this.#liveLease() !== undefined) return undefined;
    const token = `${++this.#leaseCounter}:${owner}`;
    this.#lease = { token, expiresAt: this.#now() + ttlMs };
    return token;
  }

  async renewLease(token: string, ttlMs: number): Promise<boolean> {
    this.#assertOpen();
    const lease = this.#liveLease();
    if (lease?.token !== token) return false;
    lease.expiresAt = this.#now() + ttlMs;
    return true;
  }

  async releaseLease(token: string): Promise<void> {
    if (this.#lease?.token === token) this.#lease = undefined;
  }

  #liveLease(): { token: string; expiresAt: number } | undefined {
    if (this.#lease !== undefined && this.#lease.expiresAt <= this.#now()) this.#lease = undefined;
    return this.#lease;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#subscribed.clear();
      for (const l of this.#stateListeners) l('closed');
    })();
    return this.#closing;
  }

  #deliver(env: Envelope): void {
    if (this.#closing !== undefined || !this.#subscribed.has(env.channel)) return;
    this.#onMessage?.(env);
  }

  #log(channel: BusChannel): ChannelLog {
    let log = this.#logs.get(channel);
    if (log === undefined) {
      log = new ChannelLog(this.#maxLen, this.#ended.has(channel) ? randomBytes(8).toString('hex') : this.#epoch);
      this.#logs.set(channel, log);
    }
    return log;
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new ChainfanError('CHAINFAN_BUS_CLOSED', 'bus is closed');
  }
}
