// Direct sends to one socket (acks, errors, replays, notices) and the slow-client policy: a socket whose outbound
// buffer passes the limit is closed, or dropped from its topics and told where to resync once it has drained.
import { CLOSE, type BusChannel, type ResyncNotice } from '@chainfan/protocol';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import type { Cancel, Clock } from '../clock.js';
import type { SlowClientPolicy } from '../config.js';
import type { ServerCloseReason, Session, Subscription } from '../session.js';
import type { SendResult } from '../transport/ws-transport.js';
import type { SentCounters } from './sent-counters.js';

export interface ClientSenderDeps {
  readonly config: {
    readonly maxBackpressureBytes: number;
    readonly maxEventFrameBytes: number;
    readonly slowClientPolicy: SlowClientPolicy;
    readonly backpressureCheckIntervalMs: number;
  };
  readonly metrics: EdgeMetrics;
  readonly sent: SentCounters;
  readonly log: Logger;
  readonly clock: Clock;
  /** the open sockets the sweep checks */
  readonly sessions: () => Iterable<Session>;
  /** true once the edge closes: the sweep stops rescheduling */
  readonly closing: () => boolean;
  readonly end: (s: Session, close: { readonly code: number; readonly reason: string }, why: ServerCloseReason) => void;
  /** the live position of a bus channel: where a socket dropped while live resumes */
  readonly position: (ch: BusChannel) => ResyncNotice['position'];
  /** local bookkeeping of one subscription going away (uWS topic membership is left here) */
  readonly dropSub: (s: Session, sub: Subscription) => void;
}

export class ClientSender {
  readonly #d: ClientSenderDeps;
  #cancelSweep: Cancel | undefined;

  constructor(deps: ClientSenderDeps) {
    this.#d = deps;
  }

  /** A direct send to one socket (acks, errors, notices); corked because it may run outside a uWS callback. */
  reply(s: Session, frame: string | Buffer): boolean {
    const conn = s.conn;
    if (conn === undefined || !s.isOpen) return false;
    const result = conn.cork(() => conn.send(frame, s.dialect.binary));
    s.messages++;
    return this.#sendResult(s, result);
  }

  /** A replayed frame: events count as sent messages of the subscription's kind; oversized events are dropped. */
  sendReplay(s: Session, sub: Subscription, frame: Buffer | string, isEvent: boolean): boolean {
    if (!isEvent) return this.reply(s, frame);
    const bytes = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
    if (bytes > this.#d.config.maxEventFrameBytes) {
      this.#d.metrics.messagesDropped.inc({ reason: 'frame_too_large' });
      return true;
    }
    const c = this.#d.sent.for(sub.kind, s.dialect.name);
    c.sent.inc(1);
    c.bytes.inc(bytes);
    return this.reply(s, frame);
  }

  /** Resolves once the socket's buffer is down to half the limit (or it closed): replays pace themselves on it. */
  whenWritable(s: Session): Promise<void> {
    if (!s.isOpen || (s.conn?.bufferedAmount() ?? 0) <= this.#d.config.maxBackpressureBytes / 2) return Promise.resolve();
    return new Promise((resolve) => s.writable.push(resolve));
  }

  /** The transport's drain event for one socket. */
  onDrain(s: Session): void {
    const buffered = s.conn?.bufferedAmount() ?? 0;
    if (buffered <= this.#d.config.maxBackpressureBytes / 2) for (const resolve of s.writable.splice(0)) resolve();
    this.#flushResync(s);
    this.#checkBackpressure(s);
  }

  /** Published frames bypass JS per socket, so buffered amounts are checked here, on a timer, for every socket. */
  startSweep(): void {
    this.#cancelSweep = this.#d.clock.setTimeout(() => {
      for (const s of this.#d.sessions()) {
        const buffered = s.conn?.bufferedAmount() ?? 0;
        this.#d.metrics.bufferedBytes.observe(buffered);
        if (s.resync !== undefined) this.#flushResync(s);
        else this.#checkBackpressure(s);
      }
      if (!this.#d.closing()) this.startSweep();
    }, this.#d.config.backpressureCheckIntervalMs);
  }

  stopSweep(): void {
    this.#cancelSweep?.();
    this.#cancelSweep = undefined;
  }

  #sendResult(s: Session, result: SendResult): boolean {
    this.#d.metrics.sendResults.inc({ outcome: result });
    switch (result) {
      case 'sent':
        return true;
      case 'buffered':
        this.#checkBackpressure(s);
        return s.isOpen && s.resync === undefined;
      case 'dropped':
        this.#d.metrics.messagesDropped.inc({ reason: 'backpressure' });
        this.#slowClient(s);
        return false;
    }
  }

  #checkBackpressure(s: Session): void {
    if (s.isOpen && s.resync === undefined && (s.conn?.bufferedAmount() ?? 0) > this.#d.config.maxBackpressureBytes) this.#slowClient(s);
  }

  #slowClient(s: Session): void {
    if (!s.isOpen || s.resync !== undefined) return;
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

  /**
   * Takes the socket out of every uWS topic (publishes skip it from now on, so its buffer only drains) and notes, per
   * topic and channel, the position after the last frame it was handed: everything up to there is in its buffer.
   */
  #dropForResync(s: Session): void {
    const notices: ResyncNotice[] = [];
    for (const sub of s.subs.values()) {
      for (const ch of sub.channels) {
        const position = sub.state === 'live' ? this.#d.position(ch) : (sub.recovery?.cursor(ch) ?? this.#d.position(ch));
        notices.push({ topic: sub.raw, channel: ch, reason: 'slow_consumer', subscribed: false, position });
      }
      if (sub.counters !== undefined) s.conn?.unsubscribe(sub.counters.uwsTopic);
      this.#d.dropSub(s, sub);
    }
    s.subs.clear();
    s.resync = notices;
    this.#d.log.info({ event: 'conn.resync_dropped', session: s.id, topics: notices.length, buffered: s.conn?.bufferedAmount() }, 'slow consumer dropped; resync once drained');
    this.#flushResync(s);
  }

  /** Sends the pending resync notices once the socket's buffer is down to a quarter of the limit. */
  #flushResync(s: Session): void {
    const notices = s.resync;
    if (notices === undefined || !s.isOpen || (s.conn?.bufferedAmount() ?? 0) > this.#d.config.maxBackpressureBytes / 4) return;
    s.resync = undefined;
    for (const n of notices) {
      const frame = s.dialect.encodeResync(n);
      if (frame === undefined) continue;
      this.#d.metrics.resyncs.inc({ reason: n.reason });
      this.reply(s, frame);
    }
  }
}
