// Every socket's subscriptions as one state machine that owns their state: subscribe with ACL, length and count limits,
// recovery from a position, `all` shadowing its parts, unsubscribe, drop-and-resync, and the bookkeeping at close.
import {
  ERROR, channelsForTopic,
  type BusChannel, type ClientError, type DerivedStream, type Dialect, type Envelope, type RequestRef, type ResyncNotice, type Since, type StreamPosition,
  type Target, type Topic,
} from '@chainfan/protocol';
import type { Bus } from '@chainfan/bus';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import type { Clock } from '../clock.js';
import { derivedKey, type DerivedStreams } from '../derived/derived-streams.js';
import type { ChannelFeed } from '../feed/channel-feed.js';
import { Recovery, type RecoveryTarget } from '../recovery/recovery.js';
import { ALL_PARTS, routeEnvelope } from '../routing.js';
import type { Session } from '../session.js';
import type { SubscriptionRegistry } from '../subscription-registry.js';
import { SocketSubscriptions, type Subscription, type SubscriptionView, viewOf } from './socket-subscriptions.js';

export interface SubscriptionsDeps {
  readonly config: { readonly maxTopicLength: number; readonly historyPageSize: number; readonly recoveryTimeoutMs: number };
  readonly bus: Bus;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
  readonly clock: Clock;
  /** local readers per (dialect, topic): a subscription joins and leaves it */
  readonly registry: SubscriptionRegistry;
  readonly derived: Pick<DerivedStreams, 'join' | 'leave'>;
  /** holds a bus channel (and starts its feed); resolves once the bus confirmed it */
  readonly acquire: (ch: BusChannel) => Promise<void>;
  readonly release: (ch: BusChannel) => void;
  readonly feed: (ch: BusChannel) => ChannelFeed;
  /** a history frame, encoded once per (message, dialect) */
  readonly encode: (env: Envelope, dialect: Dialect) => Buffer | undefined;
  /** a direct send (ack, notice); false once the socket is unusable */
  readonly reply: (s: Session, frame: string | Buffer) => boolean;
  /** a replayed frame of a subscription of kind `kind` (events are counted as sent messages of that kind) */
  readonly sendReplay: (s: Session, kind: string, frame: Buffer | string, isEvent: boolean) => boolean;
  /** resolves once the socket can take more (replays pace themselves on it) */
  readonly whenWritable: (s: Session) => Promise<void>;
  readonly fail: (s: Session, error: ClientError, ref: RequestRef) => void;
}

/** Registry key of a target: the topic's canonical key, or the derived stream variant's. */
export function keyOf(t: Target): string {
  return t.type === 'topic' ? t.topic.key : derivedKey(t.stream, t.variant);
}

export class Subscriptions {
  readonly #d: SubscriptionsDeps;
  readonly #bySocket = new WeakMap<Session, SocketSubscriptions>();

  constructor(deps: SubscriptionsDeps) {
    this.#d = deps;
  }

  #of(s: Session): SocketSubscriptions {
    let st = this.#bySocket.get(s);
    if (st === undefined) {
      st = new SocketSubscriptions();
      this.#bySocket.set(s, st);
    }
    return st;
  }

  /** The socket's subscriptions, acknowledged or recovering, in the order they were made. */
  held(s: Session): SubscriptionView[] {
    return [...(this.#bySocket.get(s)?.byKey.values() ?? [])].map(viewOf);
  }

  /** What the client asked for (implicit subscriptions excluded), as it spelled it: status requests report it. */
  asked(s: Session): string[] {
    return [...(this.#bySocket.get(s)?.byKey.values() ?? [])].filter((x) => !x.implicit).map((x) => x.raw);
  }

  /** Frames the socket's topics brought it so far (topics it still reads count up to their last leave). */
  topicMessages(s: Session): number {
    return this.#bySocket.get(s)?.topicMessages ?? 0;
  }

  /**
   * Acks only after the bus confirmed every channel the topic needs (and, with `since`, after the replay), so the ack
   * means "live from here on". With `since` the ack carries, per channel, the position the live stream starts after.
   */
  async subscribe(s: Session, target: Target, raw: string, since: Since | undefined, ref: RequestRef, implicit: boolean): Promise<void> {
    if (!s.isOpen) return;
    if (!implicit && raw.length > this.#d.config.maxTopicLength) {
      this.#d.metrics.limitHits.inc({ limit: 'topic_length' });
      this.#d.fail(s, { reason: 'topic_too_long', code: ERROR.topicTooLong.code, message: ERROR.topicTooLong.message(this.#d.config.maxTopicLength) }, ref);
      return;
    }
    const stream = target.type === 'derived' ? s.dialect.derived?.get(target.stream) : undefined;
    if (target.type === 'derived' && stream === undefined) {
      // a dialect decoding to a stream it does not define is a bug; the client only learns the topic is unknown
      this.#d.log.error({ event: 'subscribe.unknown_stream', dialect: s.dialect.name, stream: target.stream }, 'dialect names a derived stream it lacks');
      this.#d.fail(s, { reason: 'invalid_topic', code: ERROR.invalidTopic.code, message: ERROR.invalidTopic.message(raw) }, ref);
      return;
    }
    const topic = target.type === 'topic' ? target.topic : undefined;
    const acl = s.ticket.principal.acl;
    if (!(topic !== undefined ? acl.allows(topic) : stream!.aclTopics.every((t) => acl.allows(t)))) {
      if (!implicit) this.#d.fail(s, { reason: 'topic_not_allowed', code: ERROR.topicNotAllowed.code, message: ERROR.topicNotAllowed.message(raw) }, ref);
      return;
    }
    const key = keyOf(target);
    const st = this.#of(s);
    const held = st.byKey.get(key);
    const handle = implicit || s.dialect.subscriptionId === undefined ? undefined : s.dialect.subscriptionId(raw, ++st.seq);
    if (held !== undefined && handle !== undefined) {
      // a protocol whose subscriptions have ids: another subscription, reading the same stream (and counted)
      if (this.#overSubscriptionLimit(s, st, ref)) return;
      (held.handles ??= new Set()).add(handle);
      st.explicit++;
      this.#ack(s, { action: 'subscribe', raw: handle, target, ref }, undefined);
      return;
    }
    if (held !== undefined) {
      // a set add, like upstream: idempotent (a live topic is not replayed again; unsubscribe first for that)
      if (!implicit) this.#ack(s, { action: 'subscribe', raw, target, ref }, since === undefined || topic === undefined ? undefined : this.#positions(topic));
      return;
    }
    if (!implicit && this.#overSubscriptionLimit(s, st, ref)) return;
    const channels = topic !== undefined ? channelsForTopic(topic.kind) : stream!.channels;
    const kind = topic !== undefined ? topic.kind : stream!.name;
    try {
      await Promise.all(channels.map((ch) => this.#d.acquire(ch)));
    } catch (err) {
      for (const ch of channels) this.#d.release(ch);
      this.#d.log.warn({ event: 'subscribe.bus_unavailable', topicKind: kind, err }, 'subscription refused: bus unavailable');
      this.#d.fail(s, { reason: 'unavailable', code: ERROR.other.code, message: ERROR.other.message('subscription unavailable, retry later') }, ref);
      return;
    }
    if (!s.isOpen || st.byKey.has(key)) {
      for (const ch of channels) this.#d.release(ch); // closed (or subscribed by a racing request) meanwhile
      return;
    }
    const sub: Subscription = {
      target, topic, key, kind, channels, raw: handle ?? raw, implicit, state: 'recovering', recovery: undefined, counters: undefined, atMessages: 0, shadowed: false,
      handles: handle === undefined ? undefined : new Set([handle]),
    };
    st.byKey.set(key, sub);
    if (!implicit) st.explicit++;
    this.#d.metrics.subscriptions.inc({ topic_kind: kind });
    if (since === undefined || topic === undefined) {
      this.#join(s, sub, undefined, ref, stream);
      return;
    }
    const recovery = new Recovery(this.#recoveryTarget(s, sub, topic, ref), since, {
      bus: this.#d.bus,
      feed: (ch) => this.#d.feed(ch),
      matches: (env, t) => routeEnvelope(env).some((r) => r.key === t.key),
      encode: (env, dialect) => this.#d.encode(env, dialect),
      pageSize: this.#d.config.historyPageSize,
      timeoutMs: this.#d.config.recoveryTimeoutMs,
      clock: this.#d.clock,
      metrics: this.#d.metrics,
      log: this.#d.log,
    });
    sub.recovery = recovery;
    const outcome = await recovery.run();
    sub.recovery = undefined;
    const asked = [...since.values()].some((p) => p !== undefined);
    if (asked) this.#d.metrics.recoveries.inc({ outcome });
    // cancelled: the socket closed, or a drop-and-resync already took the subscription out
    if (outcome === 'cancelled' && st.byKey.get(key) === sub && sub.state === 'recovering') {
      st.byKey.delete(key);
      this.#drop(st, s, sub);
    }
  }

  /** Refuses (and counts) a subscribe past the connection's limit. */
  #overSubscriptionLimit(s: Session, st: SocketSubscriptions, ref: RequestRef): boolean {
    if (st.explicit < s.maxSubscriptions) return false;
    this.#d.metrics.limitHits.inc({ limit: 'subscriptions_per_connection' });
    const e = ERROR.tooManySubscriptions;
    this.#d.fail(s, { reason: 'too_many_subscriptions', code: e.code, message: e.message(s.maxSubscriptions) }, ref);
    return true;
  }

  #recoveryTarget(s: Session, sub: Subscription, topic: Topic, ref: RequestRef): RecoveryTarget {
    const st = this.#of(s);
    return {
      dialect: s.dialect,
      topic,
      raw: sub.raw,
      get isOpen() {
        return s.isOpen && st.byKey.get(sub.key) === sub;
      },
      send: (frame, isEvent) => this.#d.sendReplay(s, sub.kind, frame, isEvent),
      corked: (fn) => (s.conn === undefined ? fn() : s.conn.cork(fn)), // one write per page, not per frame
      whenWritable: () => this.#d.whenWritable(s),
      join: (positions) => this.#join(s, sub, positions, ref, undefined),
    };
  }

  /**
   * Joins the live stream: uWS topic membership and the ack in one corked block, so every later event is behind it.
   * A derived stream's state exists from here on (the first subscriber creates it).
   */
  #join(s: Session, sub: Subscription, positions: ReadonlyMap<BusChannel, StreamPosition> | undefined, ref: RequestRef, stream: DerivedStream | undefined): void {
    const conn = s.conn;
    if (conn === undefined || !s.isOpen) return;
    sub.state = 'live';
    if (this.#readsThroughAll(s, sub)) {
      sub.shadowed = true;
      if (!sub.implicit) this.#ack(s, { action: 'subscribe', raw: sub.raw, target: sub.target, ref }, positions);
      return;
    }
    sub.counters = this.#d.registry.add(s.dialect.name, sub.key, sub.topic);
    sub.atMessages = sub.counters.messages;
    if (stream !== undefined) this.#d.derived.join(s.dialect, stream);
    const counters = sub.counters;
    conn.cork(() => {
      conn.subscribe(counters.uwsTopic);
      // from the next event on, `all` carries its parts: leave their topics in the same synchronous step (no gap)
      if (sub.topic?.kind === 'all') for (const p of ALL_PARTS) this.#shadow(s, this.#of(s), p);
      if (!sub.implicit) this.#ack(s, { action: 'subscribe', raw: sub.raw, target: sub.target, ref }, positions);
    });
  }

  /** Whether `sub` is a part of `all` (blocks, transactions, sequence) and the session reads `all` live already. */
  #readsThroughAll(s: Session, sub: Subscription): boolean {
    if (sub.topic === undefined || !ALL_PARTS.has(sub.key)) return false;
    const all = this.#bySocket.get(s)?.byKey.get('all');
    return all !== undefined && all !== sub && all.state === 'live' && all.counters !== undefined;
  }

  /** A live part of `all` stops reading its own uWS topic; `all` delivers its events from now on. */
  #shadow(s: Session, st: SocketSubscriptions, key: string): void {
    const sub = st.byKey.get(key);
    if (sub === undefined || sub.state !== 'live' || sub.shadowed) return;
    if (sub.counters !== undefined) {
      s.conn?.unsubscribe(sub.counters.uwsTopic);
      st.topicMessages += sub.counters.messages - sub.atMessages;
      this.#d.registry.remove(s.dialect.name, sub.key);
      sub.counters = undefined;
    }
    sub.shadowed = true;
  }

  /** `all` went: its shadowed parts read their own uWS topics again, from the next event on. */
  #unshadow(s: Session, sub: Subscription | undefined): void {
    if (sub === undefined || !sub.shadowed || s.conn === undefined) return;
    sub.shadowed = false;
    sub.counters = this.#d.registry.add(s.dialect.name, sub.key, sub.topic);
    sub.atMessages = sub.counters.messages;
    s.conn.subscribe(sub.counters.uwsTopic);
  }

  #ack(s: Session, a: { action: 'subscribe' | 'unsubscribe'; raw: string; target: Target; ref: RequestRef }, positions: ReadonlyMap<BusChannel, StreamPosition> | undefined): void {
    const nowMs = this.#d.clock.now();
    this.#d.reply(s, s.dialect.encodeAck(positions === undefined ? { ...a, nowMs } : { ...a, nowMs, positions }));
  }

  unsubscribe(s: Session, target: Target, raw: string, ref: RequestRef): void {
    const key = keyOf(target);
    const st = this.#of(s);
    const sub = st.byKey.get(key);
    if (sub === undefined || sub.implicit || (sub.handles !== undefined && !sub.handles.has(raw))) {
      this.#d.fail(s, { reason: 'not_subscribed', code: ERROR.notSubscribed.code, message: ERROR.notSubscribed.message(raw) }, ref);
      return;
    }
    if (sub.handles !== undefined) {
      sub.handles.delete(raw);
      if (sub.handles.size > 0) {
        // other subscriptions still read this stream: only this one ends
        st.explicit--;
        this.#ack(s, { action: 'unsubscribe', raw, target, ref }, undefined);
        return;
      }
    }
    st.byKey.delete(key);
    if (sub.counters !== undefined) s.conn?.unsubscribe(sub.counters.uwsTopic);
    this.#drop(st, s, sub);
    if (sub.topic?.kind === 'all') for (const p of ALL_PARTS) this.#unshadow(s, st.byKey.get(p));
    this.#ack(s, { action: 'unsubscribe', raw, target, ref }, undefined);
  }

  /**
   * Drop-and-resync of a slow socket: out of every uWS topic at once (publishes skip it from now on, so its buffer only
   * drains), each subscription gone, and per topic and channel the position after the last frame it was handed:
   * everything up to there is in its buffer. `position` is where a channel stands live.
   */
  dropForResync(s: Session, position: (ch: BusChannel) => StreamPosition): ResyncNotice[] {
    const st = this.#bySocket.get(s);
    if (st === undefined) return [];
    const notices: ResyncNotice[] = [];
    for (const sub of st.byKey.values()) {
      for (const ch of sub.channels) {
        const at = sub.state === 'live' ? position(ch) : (sub.recovery?.cursor(ch) ?? position(ch));
        notices.push({ topic: sub.raw, channel: ch, reason: 'slow_consumer', subscribed: false, position: at });
      }
      if (sub.counters !== undefined) s.conn?.unsubscribe(sub.counters.uwsTopic);
      this.#drop(st, s, sub);
    }
    st.byKey.clear();
    return notices;
  }

  /** The socket closed: every subscription goes (the transport already took it out of its topics). */
  closed(s: Session): void {
    const st = this.#bySocket.get(s);
    if (st === undefined) return;
    for (const sub of st.byKey.values()) this.#drop(st, s, sub);
    st.byKey.clear();
  }

  /** Local bookkeeping of one subscription going away; uWS topic membership is the caller's business. */
  #drop(st: SocketSubscriptions, s: Session, sub: Subscription): void {
    sub.recovery?.cancel();
    if (sub.counters !== undefined) {
      st.topicMessages += sub.counters.messages - sub.atMessages;
      this.#d.registry.remove(s.dialect.name, sub.key);
      if (sub.target.type === 'derived') this.#d.derived.leave(s.dialect, sub.target.stream);
      sub.counters = undefined;
    }
    if (!sub.implicit) st.explicit--;
    this.#d.metrics.subscriptions.dec({ topic_kind: sub.kind });
    for (const ch of sub.channels) this.#d.release(ch);
  }

  #positions(topic: Topic): Map<BusChannel, StreamPosition> {
    return new Map(channelsForTopic(topic.kind).map((ch) => [ch, this.#d.feed(ch).position]));
  }
}
