// ChainfanClient: one WebSocket to an edge speaking the evrmore-rpc protocol, with acked subscriptions, async
// iteration over a bounded queue, and automatic reconnect (equal-jitter backoff, rotating through the given edge
// URLs) that re-subscribes every topic from the last position it saw, so nothing is lost or delivered twice.
import { Backoff, resolveReconnectPolicy } from './backoff.js';
import { splitBatchedFrame, withBatchQuery } from './batch-frames.js';
import type { BlockRef } from './block-memory.js';
import { asClock, type Cancel, type Clock } from './clock.js';
import { type Request, type Waiter, createWaiter, isPosition, settle, topicChannels, topicKey } from './client-requests.js';
import type { ChainfanClientEvents, ChainfanClientOptions, ClientState } from './client-types.js';
import { decodeServerFrame, resyncData } from './decode-frame.js';
import { Emitter } from './emitter.js';
import { ChainfanClientError } from './errors.js';
import { MessageQueue } from './message-queue.js';
import type { ChainfanMessage, ErrorData, SubscriptionData } from './messages.js';
import type { Position } from './position-tracker.js';
import { ResumeState } from './resume-state.js';
import { wireSocket } from './socket-dial.js';
import { WS_OPEN, type WebSocketConstructor, type WebSocketLike } from './websocket.js';

export type { ChainfanClientEvents, ChainfanClientOptions, ClientState, CloseInfo, OverflowInfo, ReconnectInfo, ResyncInfo } from './client-types.js';

const DEFAULT_QUEUE_LIMIT = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** close() stops waiting for the closing handshake after this; `ws` alone would wait 30 s for a silent peer */
const CLOSE_WAIT_MS = 2_000;
const CLOSE_NORMAL = 1000;

export class ChainfanClient implements AsyncIterable<ChainfanMessage> {
  readonly #urls: readonly string[];
  #urlIndex = 0;
  readonly #resume: boolean;
  readonly #r = new ResumeState();
  readonly #WebSocket: WebSocketConstructor;
  readonly #clock: Clock;
  readonly #backoff: Backoff;
  readonly #requestTimeoutMs: number;
  readonly #queue: MessageQueue<ChainfanMessage>;
  readonly #events = new Emitter<ChainfanClientEvents>();

  #state: ClientState = 'closed';
  #terminated = false;
  #everOpened = false;
  #ws: WebSocketLike | undefined;
  #reconnectTimer: Cancel | undefined;
  #connecting: { promise: Promise<void>; resolve: () => void; reject: (e: ChainfanClientError) => void } | undefined;
  #closing: Promise<void> | undefined;
  #totalDropped = 0;

  /** desired subscriptions: canonical key → topic as first given; Map order is the re-subscribe order */
  readonly #topics = new Map<string, string>();
  /** keys the server has acknowledged on the current socket */
  readonly #acked = new Set<string>();
  /**
   * topic key → the bus channels its last ack reported positions for. The server knows how many partitions the
   * transaction stream has (`txs.0` …); the client learns them here instead of assuming the single `txs` channel.
   */
  readonly #channelsOf = new Map<string, readonly string[]>();
  #inflight: Request[] = [];
  /** subscribe() callers waiting for a socket to send on */
  readonly #queued = new Map<string, Waiter[]>();

  /** Throws (programmer error) on a bad policy or queueLimit, or when no WebSocket implementation is available. */
  constructor(opts: ChainfanClientOptions) {
    this.#urls = (typeof opts.url === 'string' ? [opts.url] : [...opts.url]).map((u) => (opts.batch === true ? withBatchQuery(u) : u));
    if (this.#urls.length === 0) throw new RangeError('url: give at least one address');
    this.#resume = opts.resume ?? true;
    const WS = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (WS === undefined) {
      throw new ChainfanClientError('CHAINFAN_CLIENT_NO_WEBSOCKET', "no global WebSocket: pass options.WebSocket or import '@chainfan/client/node'");
    }
    this.#WebSocket = WS;
    this.#clock = asClock(opts.clock);
    this.#backoff = new Backoff(resolveReconnectPolicy(opts.reconnect), opts.random ?? Math.random);
    this.#queue = new MessageQueue(opts.queueLimit ?? DEFAULT_QUEUE_LIMIT);
    this.#requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!(this.#requestTimeoutMs > 0)) throw new RangeError(`requestTimeoutMs must be > 0, got ${this.#requestTimeoutMs}`);
  }

  get state(): ClientState {
    return this.#state;
  }

  /** The address the current (or next) connection uses. */
  get url(): string {
    return this.#urls[this.#urlIndex]!;
  }

  /** Where the client stands on a bus channel (what a reconnect resumes from); undefined before the first ack or event. */
  position(channel: string): Position | undefined {
    return this.#r.positions.position(channel);
  }

  /** The last block delivered (what a resume from a block continues after); undefined before the first. */
  get lastBlock(): BlockRef | undefined {
    return this.#r.blocks.last;
  }

  /** Topics currently wanted, in subscribe order (what a reconnect re-sends). */
  get topics(): readonly string[] {
    return [...this.#topics.values()];
  }

  /**
   * Resolves when a socket is open. A failed attempt is retried with backoff like any other unrequested close, so
   * this waits for the server to come up; it rejects (CHAINFAN_CLIENT_CLOSED) only if close() comes first, or
   * (CHAINFAN_CLIENT_SOCKET) if the WebSocket constructor refuses the URL. Calling it again returns the same wait.
   */
  connect(): Promise<void> {
    if (this.#terminated) return Promise.reject(this.#closedError('connect'));
    if (this.#state === 'open') return Promise.resolve();
    if (this.#connecting === undefined) {
      let resolve!: () => void;
      let reject!: (e: ChainfanClientError) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#connecting = { promise, resolve, reject };
    }
    const { promise } = this.#connecting;
    this.#startIfIdle(); // may settle the promise synchronously (a refused URL)
    return promise;
  }

  /**
   * Adds `topic` to the set re-sent after every reconnect and resolves on the server's ack for it (connecting first if
   * needed). Rejects with CHAINFAN_CLIENT_SERVER_ERROR (`serverCode`, e.g. 1001 invalid topic) and then drops the
   * topic from the set; with CHAINFAN_CLIENT_TIMEOUT after requestTimeoutMs, keeping the topic (the server may still
   * honour it; unsubscribe() to drop it). Errors carry no topic on the wire, so an error is matched to the oldest
   * unanswered request. Subscribing to an already acknowledged topic resolves at once without a frame.
   * `sinceBlock` (topics carrying blocks: `blocks`, `all`; chainfan edges): deliver every block after that one —
   * from history, or re-read from the node by the edge — with a `reorg` message first if it left the chain.
   */
  subscribe(topic: string, opts: { readonly sinceBlock?: BlockRef } = {}): Promise<void> {
    if (this.#terminated) return Promise.reject(this.#closedError(`subscribe ${topic}`));
    const key = topicKey(topic);
    if (!this.#topics.has(key)) this.#topics.set(key, topic);
    if (opts.sinceBlock !== undefined && !this.#acked.has(key)) this.#r.startFromBlock(key, opts.sinceBlock);
    const last = this.#lastInflight(key);
    if (this.#state === 'open' && last === undefined && this.#acked.has(key)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const w = this.#waiter(resolve, reject, `subscribe ${topic}`);
      if (this.#state !== 'open') {
        this.#queued.set(key, [...(this.#queued.get(key) ?? []), w]);
        this.#startIfIdle();
      } else if (last?.action === 'subscribe') {
        last.waiters.push(w);
      } else {
        this.#send({ action: 'subscribe', key, topic: this.#topics.get(key) ?? topic, waiters: [w] });
      }
    });
  }

  /**
   * Removes `topic` from the set. When open, sends the unsubscribe and resolves on its ack (or rejects with the
   * server's error code); otherwise resolves at once, since the next connection will not subscribe it. A topic not
   * in the set sends nothing (as evrmore-rpc does). Pending subscribe() calls still waiting for a socket are
   * rejected with CHAINFAN_CLIENT_CANCELLED.
   */
  unsubscribe(topic: string): Promise<void> {
    if (this.#terminated) return Promise.reject(this.#closedError(`unsubscribe ${topic}`));
    const key = topicKey(topic);
    const sent = this.#topics.get(key);
    if (sent === undefined) return Promise.resolve();
    this.#topics.delete(key);
    this.#acked.delete(key);
    for (const w of this.#queued.get(key) ?? []) {
      settle(w, new ChainfanClientError('CHAINFAN_CLIENT_CANCELLED', `unsubscribed from ${topic} before the subscribe was sent`));
    }
    this.#queued.delete(key);
    if (this.#state !== 'open') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#send({ action: 'unsubscribe', key, topic: sent, waiters: [this.#waiter(resolve, reject, `unsubscribe ${topic}`)] });
    });
  }

  /**
   * Idempotent and terminal: stops reconnecting, ends every `for await` (buffered messages are discarded), rejects
   * pending requests with CHAINFAN_CLIENT_CLOSED, and resolves once the socket has closed or after 2 s at most.
   * A second call returns the first promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Returns a function that removes the listener. Listener exceptions are rethrown asynchronously. */
  on<E extends keyof ChainfanClientEvents>(event: E, fn: ChainfanClientEvents[E]): () => void {
    return this.#events.on(event, fn);
  }

  off<E extends keyof ChainfanClientEvents>(event: E, fn: ChainfanClientEvents[E]): void {
    this.#events.off(event, fn);
  }

  /**
   * Messages in arrival order from the bounded queue (one consumer: concurrent loops split the stream). Iteration
   * ends when close() is called. Leaving a loop with `break` does not close the client.
   */
  [Symbol.asyncIterator](): AsyncIterator<ChainfanMessage, undefined> {
    return {
      next: () => this.#queue.next(),
      return: () => Promise.resolve({ done: true, value: undefined }),
    };
  }

  #startIfIdle(): void {
    if (this.#terminated || this.#ws !== undefined || this.#reconnectTimer !== undefined) return;
    this.#state = this.#everOpened ? 'reconnecting' : 'connecting';
    this.#dial();
  }

  #dial(): void {
    this.#reconnectTimer = undefined;
    let ws: WebSocketLike;
    try {
      ws = new this.#WebSocket(this.url);
    } catch (err) {
      // the constructor throws only for a malformed URL, which no retry can fix
      const e = new ChainfanClientError('CHAINFAN_CLIENT_SOCKET', `cannot open a WebSocket to ${this.url}`, { cause: err, context: { url: this.url } });
      this.#closing ??= this.#shutdown(e);
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    wireSocket(ws, {
      live: (w) => w === this.#ws && !this.#terminated,
      current: (w) => w === this.#ws,
      forget: () => {
        this.#ws = undefined;
      },
      onOpen: () => this.#onOpen(),
      onFrame: (data) => this.#onFrame(data),
      onError: (err) => this.#events.emit('error', err),
      onClose: (code, reason) => this.#onSocketClose(code, reason),
    });
  }

  #onOpen(): void {
    this.#state = 'open';
    this.#everOpened = true;
    this.#backoff.reset();
    this.#acked.clear();
    this.#inflight = [];
    // everything wanted goes out again, each from the position the client has (replayed by the server up to live)
    for (const [key, topic] of this.#topics) {
      this.#send({ action: 'subscribe', key, topic, waiters: this.#queued.get(key) ?? [] }, true);
    }
    this.#queued.clear();
    const c = this.#connecting;
    this.#connecting = undefined;
    c?.resolve();
    this.#events.emit('open');
  }

  #onSocketClose(code: number, reason: string): void {
    if (this.#terminated) {
      this.#events.emit('close', { code, reason, willReconnect: false });
      return;
    }
    // subscribes still wanted go out again on the next socket; an unsubscribe is done once its socket is gone
    for (const req of this.#inflight) {
      if (req.action === 'unsubscribe') {
        for (const w of req.waiters) settle(w);
      } else if (this.#topics.has(req.key)) {
        this.#queued.set(req.key, [...(this.#queued.get(req.key) ?? []), ...req.waiters]);
      } else {
        for (const w of req.waiters) settle(w, new ChainfanClientError('CHAINFAN_CLIENT_CANCELLED', `unsubscribed from ${req.topic} before its ack`));
      }
    }
    this.#inflight = [];
    this.#acked.clear();
    this.#r.positions.socketClosed();
    // the next attempt goes to the next address: a draining (1001) or dead edge is left for another
    this.#urlIndex = (this.#urlIndex + 1) % this.#urls.length;
    this.#state = 'reconnecting';
    this.#events.emit('close', { code, reason, willReconnect: true });
    if (this.#terminated) return; // a close listener may have called close()
    const delayMs = this.#backoff.next();
    this.#reconnectTimer = this.#clock.setTimeout(() => this.#dial(), delayMs);
    this.#events.emit('reconnecting', { attempt: this.#backoff.attempt, delayMs });
  }

  #onFrame(raw: unknown): void {
    // batched frames: several newline-delimited messages in one frame, each handled as if sent alone
    if (typeof raw === 'string' && raw.includes('\n')) {
      for (const part of splitBatchedFrame(raw)) this.#onFrame(part);
      return;
    }
    const d = decodeServerFrame(raw);
    if (!d.ok) {
      this.#events.emit(
        'error',
        new ChainfanClientError('CHAINFAN_CLIENT_BAD_FRAME', `skipped a server frame: ${d.error}`, {
          context: { frameError: d.error, ...(d.detail === undefined ? {} : { detail: d.detail }) },
        }),
      );
      return;
    }
    const msg = d.value;
    if (msg.type === 'subscription') this.#onAck(msg.data);
    else if (msg.type === 'error') this.#onServerError(msg.data);
    else if (msg.type === 'unknown' && msg.wireType === 'resync') {
      if (!this.#onResync(msg.data)) return;
    } else if (!this.#r.accept(msg, this.#resume)) return; // delivered already
    const { dropped } = this.#queue.push(msg);
    if (dropped > 0) {
      this.#totalDropped += dropped;
      this.#events.emit('overflow', { dropped, totalDropped: this.#totalDropped });
    }
    this.#events.emit('message', msg);
  }

  #onAck(ack: SubscriptionData): void {
    const key = topicKey(ack.topic);
    const i = this.#inflight.findIndex((r) => r.action === ack.action && r.key === key);
    if (i < 0) return; // unsolicited ack: still delivered as a message, nothing to settle
    const [req] = this.#inflight.splice(i, 1);
    if (ack.action === 'subscribe') {
      this.#acked.add(key);
      this.#r.acked(key);
    }
    else this.#acked.delete(key);
    if (ack.action === 'subscribe' && this.#resume) {
      const positions: Record<string, Position> = {};
      const raw: unknown = ack.positions;
      if (typeof raw === 'object' && raw !== null) for (const [ch, p] of Object.entries(raw)) if (isPosition(p)) positions[ch] = p;
      const reported = Object.keys(positions);
      if (reported.length > 0) this.#channelsOf.set(key, reported);
      this.#r.positions.endRecovery(req!.recovering ?? this.#topicChannels(key, req!.topic), req!.recovering !== undefined, positions);
    }
    for (const w of req!.waiters) settle(w);
  }

  /** Returns whether the notice goes on to the application (a slow-consumer drop is repaired here, silently). */
  #onResync(data: unknown): boolean {
    const n = resyncData(data);
    if (n === undefined) return true;
    const key = topicKey(n.topic);
    if (!n.subscribed) {
      // the edge stopped sending this topic to us (we were too slow); everything up to here arrived before this
      // notice, so resubscribing from our own position loses nothing
      this.#acked.delete(key);
      const topic = this.#topics.get(key);
      if (topic !== undefined && this.#state === 'open' && this.#lastInflight(key) === undefined) {
        this.#send({ action: 'subscribe', key, topic, waiters: [] }, true);
      }
      return false;
    }
    const topic = this.#topics.get(key);
    if (this.#r.repairFromBlock(key, n) && this.#resume && topic !== undefined && this.#state === 'open') {
      // the bus lost our place, the chain did not: take the topic again from the last block delivered (blocks the
      // stream sends meanwhile arrive twice and are dropped by hash), so nothing is missing and nothing is signalled
      this.#send({ action: 'unsubscribe', key, topic, waiters: [] });
      this.#send({ action: 'subscribe', key, topic, waiters: [] }, true);
      return false;
    }
    this.#events.emit('resync', n);
    return true;
  }

  #onServerError(e: ErrorData): void {
    const req = this.#inflight.shift();
    if (req === undefined) return; // not an answer to a request; delivered as an ErrorMessage only
    if (req.recovering !== undefined) this.#r.positions.abortRecovery(req.recovering);
    const err = new ChainfanClientError('CHAINFAN_CLIENT_SERVER_ERROR', `${req.action} ${req.topic} refused: ${e.message}`, {
      serverCode: e.code,
      context: { topic: req.topic, action: req.action },
    });
    // a refused subscribe is not active on the server; keeping it would re-send it after every reconnect
    if (req.action === 'subscribe' && this.#lastInflight(req.key) === undefined) this.#topics.delete(req.key);
    if (req.waiters.length === 0) this.#events.emit('error', err); // a re-subscribe nobody awaits must not vanish silently
    for (const w of req.waiters) settle(w, err);
  }

  /**
   * `resume`: this subscribe continues a topic the client held before (reconnect, slow-consumer resync), so it asks
   * for everything after the client's positions; a fresh subscribe only asks where "now" is.
   */
  #send(req: Request, resume = false): void {
    const ws = this.#ws;
    this.#inflight.push(req);
    let frame: Record<string, unknown> = { action: req.action, topic: req.topic };
    if (req.action === 'subscribe' && this.#resume) {
      const { since, recovering } = this.#r.since(req.key, this.#topicChannels(req.key, req.topic), resume);
      if (recovering !== undefined) req.recovering = recovering;
      frame = { ...frame, since };
    }
    // a socket that is closing but has not fired 'close' drops the frame; the close handler re-queues the request
    if (ws !== undefined && ws.readyState === WS_OPEN) ws.send(JSON.stringify(frame));
  }

  #topicChannels(key: string, topic: string): readonly string[] {
    return this.#channelsOf.get(key) ?? topicChannels(topic);
  }

  #lastInflight(key: string): Request | undefined {
    return this.#inflight.findLast((r) => r.key === key);
  }

  #waiter(resolve: () => void, reject: (e: ChainfanClientError) => void, what: string): Waiter {
    return createWaiter(this.#clock, this.#requestTimeoutMs, resolve, reject, what);
  }

  #closedError(what: string): ChainfanClientError {
    return new ChainfanClientError('CHAINFAN_CLIENT_CLOSED', `${what}: client closed`);
  }

  async #shutdown(cause?: ChainfanClientError): Promise<void> {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#state = 'closed';
    this.#reconnectTimer?.();
    this.#reconnectTimer = undefined;
    this.#queue.close();
    const err = cause ?? this.#closedError('request');
    for (const req of this.#inflight) for (const w of req.waiters) settle(w, err);
    for (const ws of this.#queued.values()) for (const w of ws) settle(w, err);
    this.#inflight = [];
    this.#queued.clear();
    const c = this.#connecting;
    this.#connecting = undefined;
    c?.reject(cause ?? this.#closedError('connect'));
    const ws = this.#ws;
    if (ws === undefined) return;
    await new Promise<void>((resolve) => {
      const cancel = this.#clock.setTimeout(resolve, CLOSE_WAIT_MS);
      ws.addEventListener('close', () => {
        cancel();
        resolve();
      });
      ws.close(CLOSE_NORMAL, 'bye');
    });
  }
}
