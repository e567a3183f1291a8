// The WsTransport seam: what the edge needs from a WebSocket server. UwsTransport is the one implementation.

/** Outcome of a direct send. `buffered`: queued behind backpressure, will drain. `dropped`: over the hard limit, lost. */
export type SendResult = 'sent' | 'buffered' | 'dropped';

/**
 * Why a connection ended, as far as the transport can tell: `local` — our own `end()`; `peer` — the client sent a
 * close frame; `too_large` — the client sent a frame over `maxPayloadBytes`; `abnormal` — the socket died (idle
 * timeout, reset, the backpressure hard limit).
 */
export type CloseCause = 'local' | 'peer' | 'too_large' | 'abnormal';

export interface WsConnection<D> {
  /** The app's per-connection state, created by the `upgrade` handler. */
  readonly data: D;
  /** False from the moment the close handler starts; every method below is then a no-op. */
  readonly isOpen: boolean;
  send(frame: string | Uint8Array, binary: boolean): SendResult;
  /** Bytes queued in user space behind backpressure. */
  bufferedAmount(): number;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** Runs `fn` with writes batched into one syscall and returns its result; needed for sends made outside the
   *  transport's own callbacks (those are corked already). On a closed connection `fn` still runs (its calls no-op). */
  cork<T>(fn: () => T): T;
  /** Sends a WebSocket ping frame (the peer's pong is handled by the transport). */
  ping?(): void;
  /** Sends a close frame; the close handler runs synchronously, before `end` returns. */
  end(code: number, reason: string): void;
}

/** What admission looks at, copied out of the HTTP upgrade request before anything asynchronous happens. */
export interface UpgradeRequest {
  /** path, e.g. `/` or `/evrmore` */
  readonly url: string;
  /** raw query string without `?` */
  readonly query: string;
  /** Origin header ('' when absent) */
  readonly origin: string;
  /** Authorization header ('' when absent) */
  readonly authorization: string;
  /** Sec-WebSocket-Protocol header, the offered list as sent ('' when absent) */
  readonly protocol: string;
  /** X-Forwarded-For header ('' when absent); trusted only when configured */
  readonly forwardedFor: string;
  /** the TCP peer's address as text */
  readonly remoteAddress: string;
}

/** A plain HTTP POST on the public port (JSON-RPC over HTTP), with its whole body. */
export interface HttpPostRequest {
  readonly url: string;
  readonly query: string;
  readonly authorization: string;
  /** Host header ('' when absent) */
  readonly host: string;
  readonly origin: string;
  readonly contentType: string;
  readonly remoteAddress: string;
  /** at most WsTransportOptions.maxHttpBodyBytes (larger bodies are answered 413 before the handler runs) */
  readonly body: Buffer;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** default application/json */
  readonly contentType?: string;
}

/** The answer to an upgrade: a connection with its state and the subprotocol to echo, or an HTTP refusal. */
export type UpgradeDecision<D> =
  | { readonly accept: D; readonly protocol: string }
  | { readonly reject: { readonly status: number; readonly code: number; readonly message: string } };

/**
 * How far past `maxPayloadBytes` the server keeps reading one message so it can answer with a 1009 close frame. uWS
 * itself cuts the TCP connection (no close frame) at its own limit, counting fragments as one message; that limit is
 * `maxPayloadBytes` plus this, so what a socket can make the server buffer stays within 64 KiB of the documented cap.
 */
export const PAYLOAD_HEADROOM_BYTES = 65_536;

/** Where a handler threw; the bounded `handler` label of chainfan_edge_handler_failures_total. */
export type HandlerName = 'upgrade' | 'open' | 'message' | 'drain' | 'close' | 'http';

/** Callbacks run on the event loop inside the transport; the transport corks sockets around each of them. */
export interface WsHandlers<D> {
  /**
   * Decides an upgrade, possibly asynchronously (authentication). A refusal is answered with its HTTP status and a
   * JSON error body before any WebSocket exists. A promise that rejects is answered 500.
   */
  upgrade(req: UpgradeRequest): UpgradeDecision<D> | Promise<UpgradeDecision<D>>;
  /** The client went away while an accepted upgrade was being decided: `open` will never run for `data`. */
  abandoned(data: D): void;
  open(conn: WsConnection<D>): void;
  /** `frame` is valid only until this call returns (uWS detaches it). */
  message(conn: WsConnection<D>, frame: ArrayBuffer, isBinary: boolean): void;
  /** Backpressure went down; check `bufferedAmount()`. */
  drain(conn: WsConnection<D>): void;
  close(conn: WsConnection<D>, code: number, cause: CloseCause): void;
  /** Plain HTTP POST; absent, or an undefined answer: 404. A promise that rejects is answered 500. */
  post?(req: HttpPostRequest): Promise<HttpAnswer | undefined>;
  /**
   * A handler threw (a bug: handlers are total). The transport never lets it reach the event loop: it reports it
   * here, then closes that one socket with 1011 (open, message, drain) or answers that one request 500 (upgrade,
   * HTTP). Must not throw itself; if it does, the transport still closes the socket.
   */
  failed?(where: HandlerName, err: unknown, conn: WsConnection<D> | undefined): void;
}

export interface WsTransportOptions {
  /**
   * Cap of one inbound message, fragments counted together; larger ones close the connection with 1009 (up to
   * `maxPayloadBytes + PAYLOAD_HEADROOM_BYTES`; beyond that the server stops reading and drops the connection).
   */
  readonly maxPayloadBytes: number;
  /** Seconds without traffic before the socket is closed; with automatic pings only dead peers hit it. 0 disables. */
  readonly idleTimeoutSeconds: number;
  /** Hard cap of buffered outbound bytes per socket; beyond it the socket is closed, never silently skipped. */
  readonly hardBackpressureBytes: number;
  /** Serve this directory to plain HTTP GET/HEAD requests (StaticFiles); without it they get 426. */
  readonly staticDir?: string;
  /** Paths that only speak WebSocket: a plain GET/HEAD there answers 426 even when `staticDir` is served. */
  readonly webSocketOnly?: (url: string) => boolean;
  /** Largest HTTP POST body read; larger ones are answered 413. Default 64 KiB. */
  readonly maxHttpBodyBytes?: number;
}

export interface WsTransport {
  /** Resolves with the bound port (useful with port 0); rejects when the address cannot be bound. */
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting; open connections stay. Idempotent. */
  stopListening(): void;
  readonly listening: boolean;
  /** Copies `frame` to every socket subscribed to `topic`, in C++; sockets over the hard limit are closed. */
  publish(topic: string, frame: string | Uint8Array, binary: boolean): void;
  /** Force-closes every connection (close handlers run) and the listener. Idempotent. */
  close(): void;
}
