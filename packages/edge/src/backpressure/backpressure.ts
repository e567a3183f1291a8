// The slow-client policy and the state it keeps per socket: a socket whose outbound buffer passes the limit is
// closed, or dropped from its topics and told where to resync once it has drained; replays wait for room here.
import { CLOSE, type BusChannel, type ResyncNotice, type StreamPosition } from '@chainfan/protocol';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import type { Cancel, Clock } from '../clock.js';
import type { SlowClientPolicy } from '../config.js';
import type { EndSocket, Session } from '../session.js';
import type { SendResult } from '../transport/ws-transport.js';

export interface BackpressureDeps {
  readonly config: {
    readonly maxBackpressureBytes: number;
    readonly slowClientPolicy: SlowClientPolicy;
    readonly backpressureCheckIntervalMs: number;
  };
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
  readonly clock: Clock;
  /** the open sockets the sweep checks */
  readonly sessions: () => Iterable<Session>;
  /** true once the edge closes: the sweep stops rescheduling */
  readonly closing: () => boolean;
  readonly end: EndSocket;
  /** the live position of a bus channel: where a socket dropped while live resumes */
  readonly position: (ch: BusChannel) => StreamPosition;
  /** takes the socket out of all its subscriptions; returns the notice owed for each (topic, channel) */
  readonly dropForResync: (s: Session, position: (ch: BusChannel) => StreamPosition) => ResyncNotice[];
  /** a direct send of a notice frame */
  readonly reply: (s: Session, frame: string | Buffer) => boolean;
}

/** Per socket: replays waiting for room, and the notices owed once it drained (drop-and-resync). */
interface SocketBackpressure {
  readonly writable: (() => void)[];
  resync: ResyncNotice[] | undefined;
}

export class Backpressure {
  readonly #d: BackpressureDeps;
  readonly #bySocket = new WeakMap<Session, SocketBackpressure>();
  #cancelSweep: Cancel | undefined;

  constructor(deps: BackpressureDeps) {
    this.#d = deps;
  }

  #of(s: Session): SocketBackpressure {
    let st = this.#bySocket.get(s);
    if (st === undefined) {
      st = { writable: [], resync: undefined };
      this.#bySocket.set(s, st);
    }
    return st;
  }

  /** Whether the socket was dropped from its topics and waits to drain before its resync notices. */
  resyncing(s: Session): boolean {
    return this.#bySocket.get(s)?.resync !== undefined;
  }

  /** What a send's result means for the socket: false when the sender should stop sending to it. */
  afterSend(s: Session, result: SendResult): boolean {
    this.#d.metrics.sendResults.inc({ outcome: result });
    switch (result) {
      case 'sent':
        return true;
      case 'buffered':
        this.#check(s);
        return s.isOpen && !this.resyncing(s);
      case 'dropped':
        this.#d.metrics.messagesDropped.inc({ reason: 'backpressure' });
        this.#slowClient(s);
        return false;
    }
  }

  /** Resolves once the socket's buffer is down to half the limit (or it closed): replays pace themselves on it. */
  whenWritable(s: Session): Promise<void> {
    if (!s.isOpen || (s.conn?.bufferedAmount() ?? 0) <= this.#d.config.maxBackpressureBytes / 2) return Promise.resolve();
    return new Promise((resolve) => this.#of(s).writable.push(resolve));
  }

  /** The transport's drain event for one socket. */
  onDrain(s: Session): void {
    const buffered = s.conn?.bufferedAmount() ?? 0;
    const st = this.#bySocket.get(s);
    if (st !== undefined && buffered <= this.#d.config.maxBackpressureBytes / 2) for (const resolve of st.writable.splice(0)) resolve();
    this.#flushResync(s);
    this.#check(s);
  }

  /** The socket closed: whoever waits for room goes on (and finds it closed). */
  closed(s: Session): void {
    const st = this.#bySocket.get(s);
    if (st === undefined) return;
    st.resync = undefined;
    for (const resolve of st.writable.splice(0)) resolve();
  }

  /** Published frames bypass JS per socket, so buffered amounts are checked here, on a timer, for every socket. */
  startSweep(): void {
    this.#cancelSweep = this.#d.clock.setTimeout(() => {
      for (const s of this.#d.sessions()) {
        const buffered = s.conn?.bufferedAmount() ?? 0;
        this.#d.metrics.bufferedBytes.observe(buffered);
        if (this.resyncing(s)) this.#flushResync(s);
        else this.#check(s);
      }
      if (!this.#d.closing()) this.startSweep();
    }, this.#d.config.backpressureCheckIntervalMs);
  }

  stopSweep(): void {
    this.#cancelSweep?.();
    this.#cancelSweep = undefined;
  }

  #check(s: Session): void {
    if (s.isOpen && !this.resyncing(s) && (s.conn?.bufferedAmount() ?? 0) > this.#d.config.maxBackpressureBytes) this.#slowClient(s);
  }

  #slowClient(s: Session): void {
    if (!s.isOpen || this.resyncing(s)) return;
    this.#d.metrics.limitHits.inc({ limit: 'backpressure' });
    switch (this.#d.config.slowClientPolicy) {
      case 'close':
        // the socket keeps what it has buffered, and the 4008 close frame queues behind it: nothing is lost unseen
        this.#d.end(s, CLOSE.slow, 'slow_consumer');
        return;
      case 'drop-and-resync':
        // a dialect without positions cannot resubscribe from a notice: closing is the only honest answer
        if (s.dialect.positions) this.#dropForResync(s);
        else this.#d.end(s, CLOSE.slow, 'slow_consumer');
        return;
    }
  }

  #dropForResync(s: Session): void {
    const notices = this.#d.dropForResync(s, this.#d.position);
    this.#of(s).resync = notices;
    this.#d.log.info({ event: 'conn.resync_dropped', session: s.id, topics: notices.length, buffered: s.conn?.bufferedAmount() }, 'slow consumer dropped; resync once drained');
    this.#flushResync(s);
  }

  /** Sends the pending resync notices once the socket's buffer is down to a quarter of the limit. */
  #flushResync(s: Session): void {
    const st = this.#bySocket.get(s);
    const notices = st?.resync;
    if (st === undefined || notices === undefined || !s.isOpen || (s.conn?.bufferedAmount() ?? 0) > this.#d.config.maxBackpressureBytes / 4) return;
    st.resync = undefined;
    for (const n of notices) {
      const frame = s.dialect.encodeResync(n);
      if (frame === undefined) continue;
      this.#d.metrics.resyncs.inc({ reason: n.reason });
      this.#d.reply(s, frame);
    }
  }
}
