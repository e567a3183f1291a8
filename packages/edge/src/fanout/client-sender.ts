// Direct sends to one socket (acks, errors, replays, notices), each counted; what a send's result means for a slow
// socket is the backpressure policy's call.
import type { EdgeMetrics } from '@chainfan/telemetry';
import type { Session } from '../session.js';
import type { SendResult } from '../transport/ws-transport.js';
import type { SentCounters } from './sent-counters.js';

export interface ClientSenderDeps {
  readonly config: { readonly maxEventFrameBytes: number };
  readonly metrics: EdgeMetrics;
  readonly sent: SentCounters;
  /** the slow-client policy's verdict on a send: false when nothing more should be sent now */
  readonly afterSend: (s: Session, result: SendResult) => boolean;
}

export class ClientSender {
  readonly #d: ClientSenderDeps;
  /** frames sent directly to each socket */
  readonly #direct = new WeakMap<Session, number>();

  constructor(deps: ClientSenderDeps) {
    this.#d = deps;
  }

  /** A direct send to one socket (acks, errors, notices); corked because it may run outside a uWS callback. */
  reply(s: Session, frame: string | Buffer): boolean {
    const conn = s.conn;
    if (conn === undefined || !s.isOpen) return false;
    const result = conn.cork(() => conn.send(frame, s.dialect.binary));
    this.#direct.set(s, (this.#direct.get(s) ?? 0) + 1);
    return this.#d.afterSend(s, result);
  }

  /** A replayed frame: events count as sent messages of the subscription's kind; oversized events are dropped. */
  sendReplay(s: Session, kind: string, frame: Buffer | string, isEvent: boolean): boolean {
    if (!isEvent) return this.reply(s, frame);
    const bytes = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
    if (bytes > this.#d.config.maxEventFrameBytes) {
      this.#d.metrics.messagesDropped.inc({ reason: 'frame_too_large' });
      return true;
    }
    const c = this.#d.sent.for(kind, s.dialect.name);
    c.sent.inc(1);
    c.bytes.inc(bytes);
    return this.reply(s, frame);
  }

  /** Frames sent directly to the socket so far (acks, errors, replays, notices). */
  directMessages(s: Session): number {
    return this.#direct.get(s) ?? 0;
  }
}
