// Opens one WebSocket for ChainfanClient and turns its events into calls: open, frame data, error, close. Node 22's
// global WebSocket never closes a refused handshake itself, so that case is closed here and reported as a close.
import { ChainfanClientError } from './errors.js';
import { WS_CONNECTING, type WebSocketLike } from './websocket.js';

export interface SocketHandlers {
  /** false once the client moved on (another socket, or closed): the socket's events are then ignored */
  readonly live: (ws: WebSocketLike) => boolean;
  /** whether `ws` is still the client's current socket (a 'close' of an older one is ignored) */
  readonly current: (ws: WebSocketLike) => boolean;
  /** the client drops its reference to `ws` before onClose */
  readonly forget: () => void;
  readonly onOpen: () => void;
  readonly onFrame: (data: unknown) => void;
  readonly onError: (err: ChainfanClientError) => void;
  readonly onClose: (code: number, reason: string) => void;
}

function field(ev: unknown, name: string): unknown {
  return typeof ev === 'object' && ev !== null ? (ev as Record<string, unknown>)[name] : undefined;
}

/** Wires the events of `ws`, after the client has made it its current socket. */
export function wireSocket(ws: WebSocketLike, h: SocketHandlers): void {
  ws.addEventListener('open', () => {
    if (h.live(ws)) h.onOpen();
  });
  ws.addEventListener('message', (ev) => {
    if (h.live(ws)) h.onFrame(field(ev, 'data'));
  });
  ws.addEventListener('error', (ev) => {
    if (!h.live(ws)) return;
    const cause = field(ev, 'error') ?? field(ev, 'message');
    h.onError(new ChainfanClientError('CHAINFAN_CLIENT_SOCKET', 'WebSocket error', { cause }));
    // A failed handshake normally leaves the socket CLOSING/CLOSED with a 'close' to follow. Node 22's global
    // WebSocket leaves it CONNECTING and never closes it (a refused upgrade, e.g. HTTP 503): without this the client
    // would wait forever instead of retrying.
    if (ws.readyState === WS_CONNECTING && h.live(ws)) {
      h.forget();
      try {
        ws.close();
      } catch {
        // nothing left to close
      }
      h.onClose(1006, '');
    }
  });
  ws.addEventListener('close', (ev) => {
    if (!h.current(ws)) return;
    h.forget();
    const code = field(ev, 'code');
    const reason = field(ev, 'reason');
    h.onClose(typeof code === 'number' ? code : 1006, typeof reason === 'string' ? reason : '');
  });
}
