// One client socket's identity and lifecycle, carried as the transport's connection data. Everything else a socket
// has (subscriptions, command queue, backpressure, timers) is kept by the module that owns that job, keyed by Session.
import type { Dialect } from '@chainfan/protocol';
import type { AdmissionTicket } from './admission.js';
import type { WsConnection } from './transport/ws-transport.js';

/** Bounded `reason` label values of chainfan_edge_connections_closed_total for closes the edge initiates. */
export type ServerCloseReason = 'draining' | 'slow_consumer' | 'rate_limited' | 'internal' | 'shutdown' | 'token_expired' | 'rejected';

/** A close code and reason, as sent in the close frame. */
export interface CloseFrame {
  readonly code: number;
  readonly reason: string;
}

/** Ends one socket with a close frame and records why (the first reason given wins). */
export type EndSocket = (s: Session, close: CloseFrame, why: ServerCloseReason) => void;

/**
 * Identity is fixed at upgrade; the lifecycle (`conn`, closed, close reason) changes only through `attach`, `ended`
 * and `noteCloseReason`, which the connections module calls.
 */
export class Session {
  readonly id: number;
  readonly dialect: Dialect;
  readonly openedAtMs: number;
  readonly ticket: AdmissionTicket;
  /** the subscription limit of this connection's dialect */
  readonly maxSubscriptions: number;
  /** admission was refused but the dialect reports refusals as close codes: the socket is closed right after open */
  readonly doomed: CloseFrame | undefined;
  #conn: WsConnection<Session> | undefined;
  #closed = false;
  #closeReason: ServerCloseReason | undefined;

  constructor(id: number, dialect: Dialect, openedAtMs: number, ticket: AdmissionTicket, maxSubscriptions: number, doomed?: CloseFrame) {
    this.id = id;
    this.dialect = dialect;
    this.openedAtMs = openedAtMs;
    this.ticket = ticket;
    this.maxSubscriptions = maxSubscriptions;
    this.doomed = doomed;
  }

  /** The socket; undefined only between upgrade and open. */
  get conn(): WsConnection<Session> | undefined {
    return this.#conn;
  }

  get isOpen(): boolean {
    return !this.#closed && this.#conn?.isOpen === true;
  }

  /** Why the edge ended this socket, when it did. */
  get closeReason(): ServerCloseReason | undefined {
    return this.#closeReason;
  }

  attach(conn: WsConnection<Session>): void {
    this.#conn = conn;
  }

  ended(): void {
    this.#closed = true;
  }

  noteCloseReason(why: ServerCloseReason): void {
    this.#closeReason ??= why;
  }
}
