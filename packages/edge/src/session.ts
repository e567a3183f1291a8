// Per-connection state of one client socket; owned by the Edge, carried as the transport's connection data.
import type { Dialect, Topic } from '@chainfan/protocol';
import type { WsConnection } from './transport/ws-transport.js';

/** Bounded `reason` label values of chainfan_edge_connections_closed_total for closes the edge initiates. */
export type ServerCloseReason = 'draining' | 'slow_consumer' | 'rate_limited' | 'internal' | 'shutdown';

export class Session {
  readonly id: number;
  readonly dialect: Dialect;
  readonly openedAtMs: number;
  /** set by the open handler; undefined only between upgrade and open */
  conn: WsConnection<Session> | undefined;
  /** canonical topic key → topic, for every subscription acknowledged to the client */
  readonly topics = new Map<string, Topic>();
  /** commands accepted but not yet answered; bounded by maxPendingCommands */
  pending = 0;
  /** tail of this socket's command chain: commands are answered in the order they arrived */
  queue: Promise<void> = Promise.resolve();
  closed = false;
  /** why the edge ended this socket, when it did */
  closeReason: ServerCloseReason | undefined;

  constructor(id: number, dialect: Dialect, openedAtMs: number) {
    this.id = id;
    this.dialect = dialect;
    this.openedAtMs = openedAtMs;
  }

  get isOpen(): boolean {
    return !this.closed && this.conn?.isOpen === true;
  }
}
