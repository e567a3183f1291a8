// WsTransport decorator for opt-in batched frames: connections accepted with `?batch=1` are moved to a
// shadow uWS topic per topic, whose frames go through a FrameCoalescer (≤ windowMs, ≤ maxBytes, NDJSON); everyone
// else keeps one frame per message, untouched. The Edge does not know: it publishes and subscribes as always.
import { FrameCoalescer } from '../coalescer.js';
import type { Clock } from '../clock.js';
import type {
  CloseCause, SendResult, UpgradeDecision, UpgradeRequest, WsConnection, WsHandlers, WsTransport, WsTransportOptions,
} from './ws-transport.js';

export interface BatchingOptions<D> {
  readonly windowMs: number;
  readonly maxBytes: number;
  readonly clock: Pick<Clock, 'setTimeout'>;
  /** Whether an accepted connection gets batched frames: it asked, and its dialect allows them (text JSON only). */
  readonly wants: (req: UpgradeRequest, data: D) => boolean;
}

/** The shadow topic batched sockets join instead of `topic`; dialect-prefixed topic names never start like this. */
export function batchTopic(topic: string): string {
  return `batch:${topic}`;
}

/** `?batch=1` (or any positive number: a window hint, the edge's own window applies) asks for batched frames. */
export function wantsBatchedFrames(query: string): boolean {
  if (query === '' || !query.includes('batch')) return false;
  const v = new URLSearchParams(query).get('batch');
  return v !== null && (v === 'true' || Number(v) > 0);
}

export class BatchingTransport<D extends object> implements WsTransport {
  readonly #inner: WsTransport;
  readonly #coalescer: FrameCoalescer;
  /** batch topic → batched sockets subscribed to it */
  readonly #members = new Map<string, number>();
  /** accepted at upgrade as batched, not open yet */
  readonly #accepted = new WeakSet<D>();
  readonly #wrapped = new WeakMap<WsConnection<D>, BatchedConnection<D>>();

  constructor(
    opts: WsTransportOptions,
    handlers: WsHandlers<D>,
    createInner: (opts: WsTransportOptions, handlers: WsHandlers<D>) => WsTransport,
    o: BatchingOptions<D>,
  ) {
    this.#coalescer = new FrameCoalescer({
      windowMs: o.windowMs,
      maxBytes: o.maxBytes,
      clock: o.clock,
      publish: (topic, frame) => this.#inner.publish(topic, frame, false),
    });
    const mark = (req: UpgradeRequest, d: UpgradeDecision<D>): UpgradeDecision<D> => {
      if ('accept' in d && o.wants(req, d.accept)) this.#accepted.add(d.accept);
      return d;
    };
    const view = (conn: WsConnection<D>): WsConnection<D> => this.#wrapped.get(conn) ?? conn;
    this.#inner = createInner(opts, {
      upgrade: (req) => {
        const d = handlers.upgrade(req);
        return d instanceof Promise ? d.then((x) => mark(req, x)) : mark(req, d);
      },
      abandoned: (data) => {
        this.#accepted.delete(data);
        handlers.abandoned(data);
      },
      open: (conn) => {
        if (this.#accepted.delete(conn.data)) {
          const w = new BatchedConnection(conn, this);
          this.#wrapped.set(conn, w);
          handlers.open(w);
        } else {
          handlers.open(conn);
        }
      },
      message: (conn, frame, isBinary) => handlers.message(view(conn), frame, isBinary),
      drain: (conn) => handlers.drain(view(conn)),
      close: (conn, code, cause: CloseCause) => {
        const w = this.#wrapped.get(conn);
        this.#wrapped.delete(conn);
        w?.release();
        handlers.close(w ?? conn, code, cause);
      },
      ...(handlers.post === undefined ? {} : { post: handlers.post }), // plain HTTP is not batched
    });
  }

  get listening(): boolean {
    return this.#inner.listening;
  }

  listen(host: string, port: number): Promise<number> {
    return this.#inner.listen(host, port);
  }

  stopListening(): void {
    this.#inner.stopListening();
  }

  /** Plain subscribers get the frame now; batched ones within the window, joined with the topic's other frames. */
  publish(topic: string, frame: string | Uint8Array, binary: boolean): void {
    this.#inner.publish(topic, frame, binary);
    if (this.#members.size === 0) return;
    const bt = batchTopic(topic);
    if ((this.#members.get(bt) ?? 0) === 0) return;
    if (binary) {
      // binary frames cannot be newline-joined: they leave alone, behind what the topic already has waiting
      this.#coalescer.flushTopic(bt);
      this.#inner.publish(bt, frame, true);
      return;
    }
    this.#coalescer.add(bt, typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame);
  }

  close(): void {
    this.#coalescer.close();
    this.#inner.close();
  }

  /** Membership changes flush the topic first: no frame queued before a join reaches the joiner, none is lost to a leaver. */
  join(topic: string): void {
    this.#coalescer.flushTopic(topic);
    this.#members.set(topic, (this.#members.get(topic) ?? 0) + 1);
  }

  /** What the coalescer holds for subscribers of `topic` (the batch topic), waiting for the window. */
  pendingBytesOf(topic: string): number {
    return this.#coalescer.pendingBytesOf(topic);
  }

  leave(topic: string): void {
    this.#coalescer.flushTopic(topic);
    const n = (this.#members.get(topic) ?? 0) - 1;
    if (n > 0) this.#members.set(topic, n);
    else this.#members.delete(topic);
  }
}

/** A batched socket as the Edge sees it: the same connection, subscribed to the shadow topics. */
class BatchedConnection<D extends object> implements WsConnection<D> {
  readonly #conn: WsConnection<D>;
  readonly #transport: BatchingTransport<D>;
  readonly #topics = new Set<string>();

  constructor(conn: WsConnection<D>, transport: BatchingTransport<D>) {
    this.#conn = conn;
    this.#transport = transport;
  }

  get data(): D {
    return this.#conn.data;
  }

  get isOpen(): boolean {
    return this.#conn.isOpen;
  }

  send(frame: string | Uint8Array, binary: boolean): SendResult {
    return this.#conn.send(frame, binary);
  }

  /**
   * What uWS buffers for the socket plus what the coalescer holds for its topics: everything this edge holds for the
   * client counts against its backpressure limit and the slow-client policy, batched or not.
   */
  bufferedAmount(): number {
    let held = this.#conn.bufferedAmount();
    for (const bt of this.#topics) held += this.#transport.pendingBytesOf(bt);
    return held;
  }

  subscribe(topic: string): void {
    const bt = batchTopic(topic);
    if (this.#topics.has(bt) || !this.#conn.isOpen) return;
    this.#transport.join(bt);
    this.#topics.add(bt);
    this.#conn.subscribe(bt);
  }

  unsubscribe(topic: string): void {
    const bt = batchTopic(topic);
    if (!this.#topics.delete(bt)) return;
    this.#transport.leave(bt);
    this.#conn.unsubscribe(bt);
  }

  cork<T>(fn: () => T): T {
    return this.#conn.cork(fn);
  }

  ping(): void {
    this.#conn.ping?.();
  }

  end(code: number, reason: string): void {
    this.#conn.end(code, reason);
  }

  /** The socket closed: uWS dropped its memberships, the counts follow. */
  release(): void {
    for (const bt of this.#topics) this.#transport.leave(bt);
    this.#topics.clear();
  }
}
