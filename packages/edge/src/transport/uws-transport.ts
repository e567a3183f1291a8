// WsTransport on uWebSockets.js — the only module that imports it (DESIGN.md §2).
import uWS from 'uWebSockets.js';
import type { CloseCause, SendResult, UpgradeRequest, WsConnection, WsHandlers, WsTransport, WsTransportOptions } from './ws-transport.js';

/** uWS force-closes (code 1006, no close frame) with this text when a frame exceeds maxPayloadLength. */
const UWS_TOO_BIG_REASON = 'Received too big message';

/**
 * uWS drops the TCP connection (1006, no close frame) on a frame over its maxPayloadLength. To answer an oversized
 * frame with a proper 1009 close, uWS accepts up to this multiple of the configured limit and the message handler
 * enforces the limit itself; only frames beyond the multiple are cut off by uWS. Memory stays bounded by it.
 */
const HARD_PAYLOAD_FACTOR = 4;
const MAX_UWS_PAYLOAD = 2 ** 30;
const TOO_BIG = { code: 1009, reason: 'frame too large' } as const;

const SEND_RESULTS: readonly SendResult[] = ['buffered', 'sent', 'dropped']; // uWS: 0 backpressure, 1 success, 2 dropped

interface UserData<D> {
  readonly conn: UwsConnection<D>;
}

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

  end(code: number, reason: string): void {
    if (this.#ws === undefined) return;
    this.#endedLocally = true;
    this.#ws.end(code, reason);
  }
}

export class UwsTransport<D> implements WsTransport {
  readonly #app: uWS.TemplatedApp;
  #listenSocket: uWS.us_listen_socket | undefined;
  #closed = false;

  constructor(opts: WsTransportOptions, handlers: WsHandlers<D>) {
    this.#app = uWS.App();
    this.#app.ws<UserData<D>>('/*', {
      maxPayloadLength: Math.min(opts.maxPayloadBytes * HARD_PAYLOAD_FACTOR, MAX_UWS_PAYLOAD),
      idleTimeout: opts.idleTimeoutSeconds,
      maxBackpressure: opts.hardBackpressureBytes,
      // at the hard limit uWS would otherwise skip published frames for that socket without telling anyone
      closeOnBackpressureLimit: 1,
      sendPingsAutomatically: true,
      compression: uWS.DISABLED,
      upgrade: (res, req, context) => {
        const request: UpgradeRequest = { url: req.getUrl(), query: req.getQuery() ?? '' };
        const userData: UserData<D> = { conn: new UwsConnection(handlers.upgrade(request)) };
        res.upgrade(
          userData,
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => {
        const conn = ws.getUserData().conn;
        conn.attach(ws);
        handlers.open(conn);
      },
      message: (ws, frame, isBinary) => {
        const conn = ws.getUserData().conn;
        if (frame.byteLength > opts.maxPayloadBytes) {
          conn.rejectTooLarge();
          return;
        }
        handlers.message(conn, frame, isBinary);
      },
      drain: (ws) => {
        handlers.drain(ws.getUserData().conn);
      },
      close: (ws, code, message) => {
        const conn = ws.getUserData().conn;
        const ended = conn.detach();
        handlers.close(conn, code, closeCause(ended, code, message));
      },
    });
    // plain HTTP on the public port: say what this port speaks instead of hanging up
    this.#app.any('/*', (res) => {
      res.writeStatus('426 Upgrade Required').writeHeader('upgrade', 'websocket').end('WebSocket endpoint\n');
    });
  }

  get listening(): boolean {
    return this.#listenSocket !== undefined;
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#app.listen(host, port, (socket) => {
        if (socket === false) {
          reject(new Error(`cannot listen on ${host}:${port}`));
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

function closeCause(ended: { local: boolean; tooLarge: boolean }, code: number, message: ArrayBuffer): CloseCause {
  if (ended.tooLarge) return 'too_large';
  if (ended.local) return 'local';
  if (code === 1006) return Buffer.from(message).toString() === UWS_TOO_BIG_REASON ? 'too_large' : 'abnormal';
  return 'peer';
}
