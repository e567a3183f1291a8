// WsTransport on uWebSockets.js — the only module that imports it.
import uWS from 'uWebSockets.js';
import {
  type CloseCause, type HandlerName, type HttpAnswer, type HttpPostRequest, PAYLOAD_HEADROOM_BYTES, type SendResult, type UpgradeDecision,
  type UpgradeRequest, type WsConnection, type WsHandlers, type WsTransport, type WsTransportOptions,
} from './ws-transport.js';
import { StaticFiles } from '../static-files.js';

/** uWS force-closes (code 1006, no close frame) with this text when a frame exceeds maxPayloadLength. */
const UWS_TOO_BIG_REASON = 'Received too big message';

/**
 * uWS drops the TCP connection (1006, no close frame) on a message over its maxPayloadLength, fragments counted
 * together. To answer a message just over the limit with a proper 1009, uWS reads up to PAYLOAD_HEADROOM_BYTES more
 * and the message handler enforces the limit; the headroom is what a socket can make us buffer beyond the limit.
 */
const MAX_UWS_PAYLOAD = 2 ** 30;
const TOO_BIG = { code: 1009, reason: 'frame too large' } as const;

const SEND_RESULTS: readonly SendResult[] = ['buffered', 'sent', 'dropped']; // uWS: 0 backpressure, 1 success, 2 dropped

const STATUS_LINES: Readonly<Record<number, string>> = {
  200: '200 OK', 204: '204 No Content', 400: '400 Bad Request', 404: '404 Not Found', 413: '413 Payload Too Large',
  401: '401 Unauthorized', 403: '403 Forbidden', 429: '429 Too Many Requests', 500: '500 Internal Server Error', 503: '503 Service Unavailable',
};
const INTERNAL_ERROR = { reject: { status: 500, code: 1011, message: 'internal error' } } as const;
const CLOSE_INTERNAL = { code: 1011, reason: 'internal error' } as const;

/** Runs a callback under the transport's guard. */
type Later = (fn: () => void) => void;

/** Best effort: the response may already be answered or aborted, and then there is nothing to send. */
function answer500(res: uWS.HttpResponse): void {
  try {
    res.cork(() => {
      res.writeStatus('500 Internal Server Error').writeHeader('content-type', 'application/json').end('{"error":"internal error"}');
    });
  } catch {
    // already answered, or the client went away (uWS invalidated `res`)
  }
}

interface UserData<D> {
  readonly conn: UwsConnection<D>;
}

/** What a plain HTTP request on a WebSocket path reads (as the servers chainfan replaces answer `curl`). */
const UPGRADE_REQUIRED_BODY = 'upgrade required\n';

class UwsConnection<D> implements WsConnection<D> {
  readonly data: D;
  #ws: uWS.WebSocket<UserData<D>> | undefined;
  #endedLocally = false;
  #tooLarge = false;

  constructor(data: D) {
    this.data = data;
  }

  get isOpen(): boolean {
    return this.#ws !== undefined;
  }

  attach(ws: uWS.WebSocket<UserData<D>>): void {
    this.#ws = ws;
  }

  /** Called first thing in the close handler: uWS invalidates the socket object, any later call would throw. */
  detach(): { local: boolean; tooLarge: boolean } {
    this.#ws = undefined;
    return { local: this.#endedLocally, tooLarge: this.#tooLarge };
  }

  /** Closes with 1009 and remembers why, so the close handler reports `too_large` rather than `local`. */
  rejectTooLarge(): void {
    this.#tooLarge = true;
    this.end(TOO_BIG.code, TOO_BIG.reason);
  }

  send(frame: string | Uint8Array, binary: boolean): SendResult {
    if (this.#ws === undefined) return 'dropped';
    return SEND_RESULTS[this.#ws.send(frame, binary, false)] ?? 'dropped';
  }

  bufferedAmount(): number {
    return this.#ws?.getBufferedAmount() ?? 0;
  }

  subscribe(topic: string): void {
    this.#ws?.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    this.#ws?.unsubscribe(topic);
  }

  cork<T>(fn: () => T): T {
    if (this.#ws === undefined) return fn();
    let result: { value: T } | undefined;
    this.#ws.cork(() => {
      result = { value: fn() };
    });
    if (result === undefined) throw new Error('uWS cork did not run its callback');
    return result.value;
  }

  ping(): void {
    this.#ws?.ping();
  }

  end(code: number, reason: string): void {
    if (this.#ws === undefined) return;
    this.#endedLocally = true;
    this.#ws.end(code, reason);
  }
}

export class UwsTransport<D> implements WsTransport {
  readonly #app: uWS.TemplatedApp;
  readonly #handlers: WsHandlers<D>;
  #listenSocket: uWS.us_listen_socket | undefined;
  #closed = false;

  constructor(opts: WsTransportOptions, handlers: WsHandlers<D>) {
    this.#handlers = handlers;
    this.#app = uWS.App();
    this.#app.ws<UserData<D>>('/*', {
      maxPayloadLength: Math.min(opts.maxPayloadBytes + PAYLOAD_HEADROOM_BYTES, MAX_UWS_PAYLOAD),
      idleTimeout: opts.idleTimeoutSeconds,
      maxBackpressure: opts.hardBackpressureBytes,
      // at the hard limit uWS would otherwise skip published frames for that socket without telling anyone
      closeOnBackpressureLimit: 1,
      sendPingsAutomatically: true,
      compression: uWS.DISABLED,
      upgrade: (res, req, context) => this.#guardHttp('upgrade', res, () => {
        // `req` is only valid until this handler returns: copy out everything needed before deciding asynchronously
        const request: UpgradeRequest = {
          url: req.getUrl(),
          query: req.getQuery() ?? '',
          origin: req.getHeader('origin'),
          authorization: req.getHeader('authorization'),
          protocol: req.getHeader('sec-websocket-protocol'),
          forwardedFor: req.getHeader('x-forwarded-for'),
          remoteAddress: Buffer.from(res.getRemoteAddressAsText()).toString(),
        };
        const key = req.getHeader('sec-websocket-key');
        const extensions = req.getHeader('sec-websocket-extensions');
        let aborted = false;
        res.onAborted(() => {
          aborted = true;
        });
        const answer = (d: UpgradeDecision<D>): void => {
          if (aborted) {
            if ('accept' in d) handlers.abandoned(d.accept); // uWS invalidated `res`: touching it would throw
            return;
          }
          res.cork(() => {
            if ('reject' in d) {
              const { status, code, message } = d.reject;
              res.writeStatus(STATUS_LINES[status] ?? `${status} Error`)
                .writeHeader('content-type', 'application/json')
                .writeHeader('cache-control', 'no-store');
              if (status === 429 || status === 503) res.writeHeader('retry-after', '1');
              res.end(JSON.stringify({ type: 'error', data: { code, message } }), true);
              return;
            }
            res.upgrade({ conn: new UwsConnection(d.accept) }, key, d.protocol, extensions, context);
          });
        };
        let decision: UpgradeDecision<D> | Promise<UpgradeDecision<D>>;
        try {
          decision = handlers.upgrade(request);
        } catch (err) {
          decision = Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
        const later = this.#asyncGuard(res, 'upgrade');
        if (decision instanceof Promise) decision.then((d) => later(() => answer(d)), () => later(() => answer(INTERNAL_ERROR)));
        else answer(decision);
      }),
      open: (ws) => {
        const conn = ws.getUserData().conn;
        conn.attach(ws);
        this.#guardSocket('open', conn, () => handlers.open(conn));
      },
      message: (ws, frame, isBinary) => {
        const conn = ws.getUserData().conn;
        if (frame.byteLength > opts.maxPayloadBytes) {
          conn.rejectTooLarge();
          return;
        }
        this.#guardSocket('message', conn, () => handlers.message(conn, frame, isBinary));
      },
      drain: (ws) => {
        const conn = ws.getUserData().conn;
        this.#guardSocket('drain', conn, () => handlers.drain(conn));
      },
      close: (ws, code, message) => {
        const conn = ws.getUserData().conn;
        const ended = conn.detach();
        this.#guardSocket('close', conn, () => handlers.close(conn, code, closeCause(ended, code, message)));
      },
    });
    const post = handlers.post;
    if (post !== undefined) {
      this.#app.post('/*', (res, req) => this.#guardHttp('http', res, () => servePost(res, req, post, opts.maxHttpBodyBytes ?? 65_536, this.#asyncGuard(res))));
    }
    // plain HTTP on the public port: the static directory (opts.staticDir) to GET/HEAD when configured; otherwise
    // say what this port speaks instead of hanging up
    const files = opts.staticDir === undefined ? undefined : new StaticFiles({ root: opts.staticDir });
    this.#app.any('/*', (res, req) => this.#guardHttp('http', res, () => {
      const method = req.getMethod();
      const url = req.getUrl();
      if (files !== undefined && (method === 'get' || method === 'head') && opts.webSocketOnly?.(url) !== true) {
        serveStatic(files, res, url, method === 'head', req.getHeader('if-none-match'), this.#asyncGuard(res));
        return;
      }
      res.writeStatus('426 Upgrade Required').writeHeader('upgrade', 'websocket').end(UPGRADE_REQUIRED_BODY);
    }));
  }

  /** Reports a handler's throw; the reporter itself is not trusted either. */
  #report(where: HandlerName, err: unknown, conn: WsConnection<D> | undefined): void {
    try {
      this.#handlers.failed?.(where, err, conn);
    } catch {
      // nothing left to tell: the socket or request is ended below all the same
    }
  }

  /** A throwing socket handler costs that socket (1011), never the process. */
  #guardSocket(where: HandlerName, conn: UwsConnection<D>, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#report(where, err, conn);
      try {
        conn.end(CLOSE_INTERNAL.code, CLOSE_INTERNAL.reason);
      } catch {
        // ending an already-closing socket: uWS has closed it anyway
      }
    }
  }

  /** A throwing HTTP or upgrade handler costs that request (500, when it can still be answered). */
  #guardHttp(where: HandlerName, res: uWS.HttpResponse, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#report(where, err, undefined);
      answer500(res);
    }
  }

  /** For HTTP callbacks that run later (promise continuations), where a throw would be an unhandled rejection. */
  #asyncGuard(res: uWS.HttpResponse, where: HandlerName = 'http'): Later {
    return (fn) => this.#guardHttp(where, res, fn);
  }

  get listening(): boolean {
    return this.#listenSocket !== undefined;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#app.listen(host, port, (socket) => {
        if (socket === false) {
          // uWS gives no reason; the code and port let the caller name the setting (an errno-shaped error like Node's)
          reject(Object.assign(new Error(`cannot listen on ${host}:${port}`), { code: 'ELISTEN', address: host, port }));
          return;
        }
        this.#listenSocket = socket;
        resolve(uWS.us_socket_local_port(socket as unknown as uWS.us_socket));
      });
    });
  }

  stopListening(): void {
    if (this.#listenSocket === undefined) return;
    uWS.us_listen_socket_close(this.#listenSocket);
    this.#listenSocket = undefined;
  }

  publish(topic: string, frame: string | Uint8Array, binary: boolean): void {
    this.#app.publish(topic, frame, binary, false);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stopListening();
    this.#app.close();
  }
}

/** Reads a bounded POST body (uWS hands it out in chunks valid only during each callback), then asks the handler. */
function servePost(res: uWS.HttpResponse, req: uWS.HttpRequest, handler: NonNullable<WsHandlers<unknown>['post']>, maxBytes: number, later: Later): void {
  const base = {
    url: req.getUrl(),
    query: req.getQuery() ?? '',
    authorization: req.getHeader('authorization'),
    host: req.getHeader('host'),
    origin: req.getHeader('origin'),
    contentType: req.getHeader('content-type'),
    remoteAddress: Buffer.from(res.getRemoteAddressAsText()).toString(),
  };
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  const answer = (r: HttpAnswer | undefined): void => {
    if (aborted) return; // uWS invalidated `res`: touching it would throw
    res.cork(() => {
      if (r === undefined) {
        // not a path anything answers POSTs on: say what this port speaks, as for any other plain HTTP request
        res.writeStatus('426 Upgrade Required').writeHeader('upgrade', 'websocket').end(UPGRADE_REQUIRED_BODY);
        return;
      }
      res.writeStatus(STATUS_LINES[r.status] ?? `${r.status} Status`)
        .writeHeader('content-type', r.contentType ?? 'application/json')
        .writeHeader('cache-control', 'no-store')
        .end(r.body);
    });
  };
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  res.onData((chunk, isLast) => later(() => {
    if (done) return;
    size += chunk.byteLength;
    if (size > maxBytes) {
      done = true;
      answer({ status: 413, body: JSON.stringify({ error: `body larger than ${maxBytes} bytes` }) });
      return;
    }
    chunks.push(Buffer.from(new Uint8Array(chunk))); // copies: uWS reuses the chunk's memory after this callback
    if (!isLast) return;
    done = true;
    let pending: Promise<HttpAnswer | undefined>;
    try {
      pending = handler({ ...base, body: Buffer.concat(chunks) } satisfies HttpPostRequest);
    } catch (err) {
      pending = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    pending.then((r) => later(() => answer(r)), () => later(() => answer({ status: 500, body: JSON.stringify({ error: 'internal error' }) })));
  }));
}

/** Answers from StaticFiles; the lookup is async, so the response must watch for the client going away meanwhile. */
function serveStatic(files: StaticFiles, res: uWS.HttpResponse, url: string, head: boolean, ifNoneMatch: string, later: Later): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  void files.get(url).then((file) => later(() => {
    if (aborted) return; // uWS invalidated `res`: touching it would throw
    res.cork(() => {
      if (file === undefined) {
        res.writeStatus('404 Not Found').writeHeader('content-type', 'text/plain; charset=utf-8').end('not found\n');
        return;
      }
      // uWS sends the status line with the first header, so the status comes first
      const notModified = ifNoneMatch === file.etag;
      res.writeStatus(notModified ? '304 Not Modified' : '200 OK').writeHeader('etag', file.etag).writeHeader('cache-control', file.cacheControl);
      if (notModified) {
        res.endWithoutBody();
        return;
      }
      res.writeHeader('content-type', file.contentType).writeHeader('x-content-type-options', 'nosniff');
      if (head) res.endWithoutBody(file.body.byteLength);
      else res.end(file.body);
    });
  }), (err: unknown) => later(() => {
    throw err instanceof Error ? err : new Error(String(err)); // reported by the guard, answered 500
  }));
}

function closeCause(ended: { local: boolean; tooLarge: boolean }, code: number, message: ArrayBuffer): CloseCause {
  if (ended.tooLarge) return 'too_large';
  if (ended.local) return 'local';
  if (code === 1006) return Buffer.from(message).toString() === UWS_TOO_BIG_REASON ? 'too_large' : 'abnormal';
  return 'peer';
}
