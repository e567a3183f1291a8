// WsTransport in memory, for edge behaviour tests in milliseconds: the test opens connections (MemoryPeer), decides
// when a peer reads (and so how many bytes stay buffered), closes from either side, and owns time through its Clock.
// It keeps the WsTransport contract the uWebSockets.js transport keeps (ws-transport.contract.ts runs on both).
import type {
  CloseCause, HandlerName, SendResult, UpgradeDecision, UpgradeRequest, WsConnection, WsHandlers, WsTransport, WsTransportOptions,
} from './ws-transport.js';

/** What a peer received: a frame, or the close that ended the connection. */
export interface PeerFrame {
  readonly data: string | Uint8Array;
  readonly binary: boolean;
}

export type ConnectResult<D> =
  | { readonly ok: true; readonly peer: MemoryPeer<D>; readonly protocol: string }
  | { readonly ok: false; readonly status: number; readonly body: string };

const NO_REQUEST: UpgradeRequest = { url: '/', query: '', origin: '', authorization: '', protocol: '', forwardedFor: '', remoteAddress: '127.0.0.1' };

const byteLength = (data: string | Uint8Array): number => (typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);

/** The client end of one in-memory connection, driven by the test. */
export class MemoryPeer<D> {
  readonly #conn: MemoryConnection<D>;
  /** frames the peer has read, in order */
  readonly frames: PeerFrame[] = [];
  /** how the connection ended, once it has */
  closed: { readonly code: number; readonly reason: string } | undefined;
  /** WebSocket pings received (the transport answers them itself, so they are not frames) */
  pings = 0;

  constructor(conn: MemoryConnection<D>) {
    this.#conn = conn;
  }

  /** The server side's state for this peer. */
  get data(): D {
    return this.#conn.data;
  }

  /** Frames read so far, decoded as text. */
  texts(): string[] {
    return this.frames.map((f) => (typeof f.data === 'string' ? f.data : Buffer.from(f.data).toString('utf8')));
  }

  /** Sends a client frame to the server's message handler. */
  send(data: string | Uint8Array): void {
    this.#conn.fromPeer(data);
  }

  /** Stops reading: what the server sends from now on stays buffered (bufferedAmount grows). */
  pause(): void {
    this.#conn.reading = false;
  }

  /** Reads everything buffered, then keeps reading; the server's drain handler runs if anything was buffered. */
  resume(): void {
    this.#conn.reading = true;
    this.#conn.flush();
  }

  /** The client sends a close frame. */
  close(code = 1000, reason = ''): void {
    this.#conn.terminate(code, reason, 'peer');
  }

  /** The connection dies without a close frame (reset, idle timeout). */
  drop(): void {
    this.#conn.terminate(1006, '', 'abnormal');
  }
}

class MemoryConnection<D> implements WsConnection<D> {
  readonly data: D;
  readonly topics = new Set<string>();
  readonly #transport: MemoryTransport<D>;
  readonly #handlers: WsHandlers<D>;
  readonly peer: MemoryPeer<D>;
  #open = true;
  #buffered: PeerFrame[] = [];
  #bufferedBytes = 0;
  reading = true;

  constructor(data: D, transport: MemoryTransport<D>, handlers: WsHandlers<D>) {
    this.data = data;
    this.#transport = transport;
    this.#handlers = handlers;
    this.peer = new MemoryPeer(this);
  }

  get isOpen(): boolean {
    return this.#open;
  }

  send(frame: string | Uint8Array, binary: boolean): SendResult {
    if (!this.#open) return 'dropped';
    return this.deliver({ data: typeof frame === 'string' ? frame : frame.slice(), binary });
  }

  /** One outbound frame: read at once, or buffered; past the hard limit the connection is closed (as uWS does). */
  deliver(f: PeerFrame): SendResult {
    if (this.reading && this.#buffered.length === 0) {
      this.peer.frames.push(f);
      return 'sent';
    }
    const size = byteLength(f.data);
    if (this.#bufferedBytes + size > this.#transport.options.hardBackpressureBytes) {
      this.terminate(1006, '', 'abnormal');
      return 'dropped';
    }
    this.#buffered.push(f);
    this.#bufferedBytes += size;
    return 'buffered';
  }

  bufferedAmount(): number {
    return this.#open ? this.#bufferedBytes : 0;
  }

  subscribe(topic: string): void {
    if (this.#open) this.topics.add(topic);
  }

  unsubscribe(topic: string): void {
    this.topics.delete(topic);
  }

  ping(): void {
    if (this.#open) this.peer.pings++;
  }

  cork<T>(fn: () => T): T {
    return fn();
  }

  end(code: number, reason: string): void {
    this.terminate(code, reason, 'local');
  }

  fromPeer(data: string | Uint8Array): void {
    if (!this.#open) return;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (bytes.byteLength > this.#transport.options.maxPayloadBytes) {
      this.terminate(1009, 'frame too large', 'too_large');
      return;
    }
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    this.guard('message', () => this.#handlers.message(this, copy.buffer, typeof data !== 'string'));
  }

  /** As uWS's transport: a throwing handler is reported and costs this connection (1011), never the caller. */
  guard(where: HandlerName, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      try {
        this.#handlers.failed?.(where, err, this);
      } catch {
        // the reporter failed too: the connection is ended all the same
      }
      this.terminate(1011, 'internal error', 'local');
    }
  }

  flush(): void {
    if (!this.#open || this.#buffered.length === 0) return;
    this.peer.frames.push(...this.#buffered);
    this.#buffered = [];
    this.#bufferedBytes = 0;
    this.guard('drain', () => this.#handlers.drain(this));
  }

  /** Ends the connection once: the close handler runs synchronously; a clean close delivers what was buffered. */
  terminate(code: number, reason: string, cause: CloseCause): void {
    if (!this.#open) return;
    this.#open = false;
    if (cause !== 'abnormal') this.peer.frames.push(...this.#buffered);
    this.#buffered = [];
    this.#bufferedBytes = 0;
    this.topics.clear();
    this.#transport.forget(this);
    this.peer.closed = { code, reason };
    this.guard('close', () => this.#handlers.close(this, code, cause));
  }
}

export class MemoryTransport<D> implements WsTransport {
  readonly options: WsTransportOptions;
  readonly #handlers: WsHandlers<D>;
  readonly #conns = new Set<MemoryConnection<D>>();
  #listening = false;
  #closed = false;
  static #nextPort = 40_000;

  constructor(opts: WsTransportOptions, handlers: WsHandlers<D>) {
    this.options = opts;
    this.#handlers = handlers;
  }

  get listening(): boolean {
    return this.#listening;
  }

  /** Binds nothing: resolves with a made-up port (the given one, or a fresh one for 0). */
  listen(_host: string, port: number): Promise<number> {
    if (this.#closed) return Promise.reject(new Error('memory transport closed'));
    this.#listening = true;
    return Promise.resolve(port === 0 ? MemoryTransport.#nextPort++ : port);
  }

  stopListening(): void {
    this.#listening = false;
  }

  /** Connections open now. */
  get connections(): number {
    return this.#conns.size;
  }

  /**
   * A client asks to upgrade with `req` (fields default to a plain request from 127.0.0.1). Resolves with the open
   * peer, or the HTTP refusal as uWS would answer it (JSON error body; 500 when the decision failed).
   */
  async connect(req: Partial<UpgradeRequest> = {}): Promise<ConnectResult<D>> {
    if (!this.#listening) return { ok: false, status: 0, body: 'connection refused' };
    let decision: UpgradeDecision<D>;
    try {
      decision = await this.#handlers.upgrade({ ...NO_REQUEST, ...req });
    } catch {
      decision = { reject: { status: 500, code: 1011, message: 'internal error' } };
    }
    if ('reject' in decision) {
      const { status, code, message } = decision.reject;
      return { ok: false, status, body: JSON.stringify({ type: 'error', data: { code, message } }) };
    }
    if (this.#closed) {
      this.#handlers.abandoned(decision.accept);
      return { ok: false, status: 0, body: 'connection closed' };
    }
    const conn = new MemoryConnection(decision.accept, this, this.#handlers);
    this.#conns.add(conn);
    conn.guard('open', () => this.#handlers.open(conn));
    return { ok: true, peer: conn.peer, protocol: decision.protocol };
  }

  publish(topic: string, frame: string | Uint8Array, binary: boolean): void {
    const f: PeerFrame = { data: typeof frame === 'string' ? frame : frame.slice(), binary };
    for (const c of [...this.#conns]) if (c.topics.has(topic)) c.deliver(f);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listening = false;
    for (const c of [...this.#conns]) c.terminate(1006, '', 'abnormal');
  }

  forget(c: MemoryConnection<D>): void {
    this.#conns.delete(c);
  }
}
