// The edge's periodic and per-socket timers: dialect heartbeats (one frame published per dialect, fanned out by uWS),
// WebSocket pings at a dialect's documented period, and the close of a socket whose token expires.
import { CLOSE, type Dialect } from '@chainfan/protocol';
import type { Cancel, Clock } from '../clock.js';
import type { EndSocket, Session } from '../session.js';

const HEARTBEAT_TOPIC = '$heartbeat';

export interface ConnectionTimersDeps {
  readonly dialects: readonly Dialect[];
  readonly clock: Clock;
  readonly publish: (uwsTopic: string, frame: string | Buffer, binary: boolean) => void;
  /** the open sockets pings go to */
  readonly sessions: () => Iterable<Session>;
  /** true once the edge closes: timers stop rescheduling */
  readonly closing: () => boolean;
  readonly end: EndSocket;
}

/** The uWS topic a dialect's heartbeat frames are published to. */
export function heartbeatTopic(dialect: Dialect): string {
  return `${dialect.name}|${HEARTBEAT_TOPIC}`;
}

export class ConnectionTimers {
  readonly #d: ConnectionTimersDeps;
  /** heartbeat and ping timer per dialect */
  readonly #timers = new Map<string, Cancel>();
  /** per socket with an expiring token: the timer that closes it */
  readonly #expiry = new WeakMap<Session, Cancel>();

  constructor(deps: ConnectionTimersDeps) {
    this.#d = deps;
  }

  start(): void {
    for (const d of this.#d.dialects) if (d.heartbeat !== undefined) this.#scheduleHeartbeat(d);
    for (const d of this.#d.dialects) if (d.pingIntervalMs !== undefined) this.#schedulePings(d, d.pingIntervalMs);
  }

  stop(): void {
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
  }

  /** Closes `s` when its token expires (at once when it already has); `unwatch` cancels it. */
  watchExpiry(s: Session): void {
    const exp = s.ticket.principal.expiresAtMs;
    if (exp === undefined) return;
    const inMs = exp - this.#d.clock.now();
    if (inMs <= 0) this.#d.end(s, CLOSE.tokenExpired, 'token_expired');
    else this.#expiry.set(s, this.#d.clock.setTimeout(() => this.#d.end(s, CLOSE.tokenExpired, 'token_expired'), inMs));
  }

  /** The socket closed: its expiry timer goes. */
  unwatch(s: Session): void {
    this.#expiry.get(s)?.();
    this.#expiry.delete(s);
  }

  #scheduleHeartbeat(d: Dialect): void {
    const hb = d.heartbeat;
    if (hb === undefined) return;
    const tick = (): void => {
      this.#d.publish(heartbeatTopic(d), hb.encode(this.#d.clock.now()), d.binary);
      if (!this.#d.closing()) this.#timers.set(d.name, this.#d.clock.setTimeout(tick, hb.intervalMs));
    };
    this.#timers.set(d.name, this.#d.clock.setTimeout(tick, hb.intervalMs));
  }

  /** WebSocket pings at the dialect's documented period: a ping frame cannot be published, so one per socket. */
  #schedulePings(d: Dialect, intervalMs: number): void {
    const tick = (): void => {
      for (const s of this.#d.sessions()) if (s.dialect === d && s.isOpen) s.conn?.ping?.();
      if (!this.#d.closing()) this.#timers.set(`${d.name}|ping`, this.#d.clock.setTimeout(tick, intervalMs));
    };
    this.#timers.set(`${d.name}|ping`, this.#d.clock.setTimeout(tick, intervalMs));
  }
}
