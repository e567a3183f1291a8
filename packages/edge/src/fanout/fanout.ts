// Bus → clients: each envelope encoded once per dialect with local readers and handed to the transport once per
// matching topic (uWS fans it out), derived streams' frames likewise, and loss notices to every topic reading a channel.
import { channelsOfTopic, type BusChannel, type Dialect, type Envelope, type StreamPosition } from '@chainfan/protocol';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import type { Clock } from '../clock.js';
import { routeEnvelope } from '../routing.js';
import type { SubscriptionRegistry } from '../subscription-registry.js';
import type { SentCounters } from './sent-counters.js';

export interface FanoutDeps {
  readonly dialects: readonly Dialect[];
  /** who reads what locally; the fan-out only reads it and grows its per-topic counters */
  readonly registry: SubscriptionRegistry;
  readonly publish: (uwsTopic: string, frame: string | Buffer, binary: boolean) => void;
  readonly maxEventFrameBytes: number;
  /** partitions of the transaction stream (default 1): which topics read a channel that lost messages */
  readonly txsPartitions?: number;
  readonly sent: SentCounters;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
  readonly clock: Clock;
  /** every envelope after its own fan-out: the derived streams and the edge's view of the network see it */
  readonly delivered: (env: Envelope) => void;
}

export class Fanout {
  readonly #d: FanoutDeps;
  readonly #dialectsByName: ReadonlyMap<string, Dialect>;

  constructor(deps: FanoutDeps) {
    this.#d = deps;
    this.#dialectsByName = new Map(deps.dialects.map((d) => [d.name, d]));
  }

  /**
   * Synchronous fan-out of one envelope, in channel order (the feed guarantees it): for each dialect with a
   * subscriber on any matching topic, encode once, then hand the same bytes to uWS once per matching topic. The body
   * is never parsed. Returns the frames encoded, which the feed keeps for replays.
   */
  deliver(env: Envelope): Map<string, Buffer> {
    const d = this.#d;
    const frames = new Map<string, Buffer>();
    const targets = routeEnvelope(env);
    let delivered = false;
    for (const dialect of d.dialects) {
      if (!d.registry.has(dialect.name)) continue;
      let frame: Buffer | null | undefined; // undefined: not encoded yet; null: the dialect has no frame for it
      for (const t of targets) {
        const c = d.registry.get(dialect.name, t.key);
        if (c === undefined) continue;
        if (frame === undefined) {
          const text = dialect.encodeEvent(env);
          frame = text === undefined ? null : Buffer.from(text, 'utf8');
        }
        if (frame === null) break;
        if (frame.byteLength > d.maxEventFrameBytes) {
          d.metrics.messagesDropped.inc({ reason: 'frame_too_large' }, c.readers);
          d.log.warn({ event: 'fanout.frame_too_large', channel: env.channel, seq: env.seq, bytes: frame.byteLength }, 'event too large to send');
          continue;
        }
        d.publish(c.uwsTopic, frame, dialect.binary);
        c.messages++;
        c.bytes += frame.byteLength;
        const counters = d.sent.for(t.kind, dialect.name);
        counters.sent.inc(c.readers);
        counters.bytes.inc(c.readers * frame.byteLength);
        delivered = true;
      }
      if (frame !== undefined && frame !== null) frames.set(dialect.name, frame);
    }
    if (delivered) d.metrics.deliveryLag.observe({ channel: env.channel }, Math.max(0, d.clock.now() - env.ts) / 1000);
    d.delivered(env);
    return frames;
  }

  /** One frame of a derived stream's variant to its local readers: encoded once, fanned out by uWS. */
  publishDerived(dialect: Dialect, key: string, stream: string, frame: string): void {
    const d = this.#d;
    const c = d.registry.get(dialect.name, key);
    if (c === undefined) return;
    const bytes = Buffer.byteLength(frame);
    if (bytes > d.maxEventFrameBytes) {
      d.metrics.messagesDropped.inc({ reason: 'frame_too_large' }, c.readers);
      return;
    }
    d.publish(c.uwsTopic, frame, dialect.binary);
    c.messages++;
    c.bytes += bytes;
    const counters = d.sent.for(stream, dialect.name);
    counters.sent.inc(c.readers);
    counters.bytes.inc(c.readers * bytes);
  }

  /** A channel lost messages for good: every live topic reading it is told once (one frame per topic, fanned out). */
  lost(channel: BusChannel, reason: 'history_trimmed' | 'epoch_changed', position: StreamPosition): void {
    const d = this.#d;
    d.log.warn({ event: 'feed.lost', channel, reason, position }, 'messages lost for good: resync notices sent');
    for (const c of [...d.registry.entries()]) {
      if (c.topic === undefined || !channelsOfTopic(c.topic, d.txsPartitions ?? 1).includes(channel)) continue;
      const dialect = this.#dialectsByName.get(c.dialect);
      const frame = dialect?.encodeResync({ topic: c.topic.key, channel, reason, subscribed: true, position });
      if (dialect === undefined || frame === undefined) continue;
      d.publish(c.uwsTopic, frame, dialect.binary);
      d.metrics.resyncs.inc({ reason }, c.readers);
    }
  }
}
