// The public option, state and event types of ChainfanClient (re-exported from chainfan-client.ts), apart from
// the client's behaviour so they can be read and documented on their own.
import type { ReconnectPolicy } from './backoff.js';
import type { ClientClock, Clock } from './clock.js';
import type { ChainfanClientError } from './errors.js';
import type { ChainfanMessage, ResyncData } from './messages.js';
import type { WebSocketConstructor } from './websocket.js';

/**
 * 'connecting': the first connection attempt after connect(). 'open': subscriptions can be sent.
 * 'reconnecting': waiting out a backoff delay or dialing again after a close that close() did not request.
 * 'closed': not started yet, or close() was called (terminal).
 */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ChainfanClientOptions {
  /**
   * ws:// or wss:// address of an edge (or any evrmore-rpc compatible server), or several: each reconnect goes to
   * the next one, so a draining or dead edge is left for another.
   */
  readonly url: string | readonly string[];
  /**
   * Resume from the last position after a reconnect (chainfan edges; default true): subscribes carry `since`, and
   * each event is delivered once even when several subscribed topics match it. Servers without positions (plain
   * evrmore-rpc) ignore `since` and the client behaves as without it.
   */
  readonly resume?: boolean;
  /** defaults to globalThis.WebSocket; Node 20 has none, so use '@chainfan/client/node' there */
  readonly WebSocket?: WebSocketConstructor;
  readonly reconnect?: Partial<ReconnectPolicy>;
  /** jitter source in [0, 1); defaults to Math.random */
  readonly random?: () => number;
  /** timers (and time) of the client; a `Clock` such as the tests' ManualClock, or the earlier `ClientClock` shape */
  readonly clock?: Clock | ClientClock;
  /** most messages buffered for `for await` before the oldest is dropped (an 'overflow' event); default 10 000 */
  readonly queueLimit?: number;
  /** deadline for subscribe()/unsubscribe() answers, counted from the call; default 10 000 */
  readonly requestTimeoutMs?: number;
  /** ask the edge for batched frames (`?batch=1`): fewer, larger frames, the same messages; default false */
  readonly batch?: boolean;
}

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  /** false only for the close that close() caused */
  readonly willReconnect: boolean;
}

export interface ReconnectInfo {
  /** 1 for the first retry after an open connection was lost */
  readonly attempt: number;
  readonly delayMs: number;
}

export interface OverflowInfo {
  /** messages dropped by this overflow */
  readonly dropped: number;
  /** messages dropped since the client was created */
  readonly totalDropped: number;
}

/** A server's "not recovered" notice: messages of `channel` after the client's position up to (epoch, seq) are lost. */
export type ResyncInfo = ResyncData;

export interface ChainfanClientEvents {
  /**
   * The server could not replay what was missed (history trimmed, sequence restarted): messages in between are lost
   * for good and the application should re-read its state (e.g. over RPC). Also delivered in order as an
   * UnknownMessage with wireType 'resync'.
   */
  resync: (info: ResyncInfo) => void;
  /** every decoded message, acks and errors included, whether or not anyone iterates */
  message: (msg: ChainfanMessage) => void;
  open: () => void;
  close: (info: CloseInfo) => void;
  reconnecting: (info: ReconnectInfo) => void;
  /** informational: the client has already recovered (skipped the frame, or will reconnect) */
  error: (err: ChainfanClientError) => void;
  /** the iteration queue was full and its oldest message was dropped */
  overflow: (info: OverflowInfo) => void;
}
