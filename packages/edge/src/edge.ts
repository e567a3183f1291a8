// The edge worker: client sessions and their subscriptions, bus-channel refcounts, encode-once fan-out through
// uWS topics, backpressure policy, and drain. Lifecycle: start() → [drain(timeoutMs)] → close().
import {
  CLOSE, ERROR, channelsForTopic, evrmoreRpcDialect,
  type BusChannel, type ClientCommand, type Dialect, type Envelope, type Topic,
} from '@chainfan/protocol';
import { GapDetector, type Bus, type BusState } from '@chainfan/bus';
import type { EdgeMetrics, Logger, ReadyReport } from '@chainfan/telemetry';
import { ChannelRefs } from './channel-refs.js';
import { type Clock, type Cancel, systemClock } from './clock.js';
import type { EdgeConfig } from './config.js';
import { selectDialect } from './dialect-select.js';
import { routeEnvelope } from './routing.js';
import { type ServerCloseReason, Session } from './session.js';
import { SubscriptionRegistry, uwsTopic } from './subscription-registry.js';
import { UwsTransport } from './transport/uws-transport.js';
import type { CloseCause, WsConnection, WsHandlers, WsTransport, WsTransportOptions } from './transport/ws-transport.js';

export interface EdgeDeps {
  readonly bus: Bus;
  readonly log: Logger;
  readonly metrics: EdgeMetrics;
  readonly config: EdgeConfig;
  /** served dialects; the first is the default for any path. Defaults to evrmore-rpc only. */
  readonly dialects?: readonly [Dialect, ...Dialect[]];
  readonly clock?: Clock;
  /** [0, 1); drain jitter */
  readonly random?: () => number;
  /** defaults to uWebSockets.js */
  readonly createTransport?: (opts: WsTransportOptions, handlers: WsHandlers<Session>) => WsTransport;
}

export interface EdgeStats {
  readonly connections: number;
  /** acknowledged client subscriptions, over all sockets */
  readonly subscriptions: number;
  /** distinct (dialect, topic) pairs with at least one subscriber */
  readonly topics: number;
  readonly busChannels: readonly BusChannel[];
  readonly listening: boolean;
  readonly draining: boolean;
}

/** How long close() waits for in-flight bus unsubscribes before giving up on them. */
const CLOSE_BUS_DEADLINE_MS = 2_000;

type SentCounters = { readonly sent: { inc(n: number): void }; readonly bytes: { inc(n: number): void } };

export class Edge {
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #metrics: EdgeMetrics;
  readonly #cfg: EdgeConfig;
  readonly #dialects: readonly [Dialect, ...Dialect[]];
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #transport: WsTransport;
  readonly #registry = new SubscriptionRegistry();
  readonly #channels: ChannelRefs;
  readonly #gaps = new GapDetector();
  readonly #sessions = new Set<Session>();
  readonly #sentCounters = new Map<string, SentCounters>();
  #nextSessionId = 1;
  #starting: Promise<{ port: number }> | undefined;
  #draining: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #cancelSweep: Cancel | undefined;

  constructor(deps: EdgeDeps) {
    this.#bus = deps.bus;
    this.#log = deps.log.child({ component: 'edge' });
    this.#metrics = deps.metrics;
    this.#cfg = deps.config;
    this.#dialects = deps.dialects ?? [evrmoreRpcDialect];
    this.#clock = deps.clock ?? systemClock;
    this.#random = deps.random ?? Math.random;
    this.#channels = new ChannelRefs(this.#bus, {
      onError: (channel, op, err) => this.#log.warn({ event: `bus.${op}_failed`, channel, err }, `bus ${op} failed`),
      onChange: (channel, subscribed) => {
        this.#gaps.forget(channel); // a new subscription starts a fresh baseline; the old position says nothing about gaps
        this.#log.debug({ event: 'bus.channel', channel, subscribed }, subscribed ? 'bus channel subscribed' : 'bus channel released');
      },
    });
    const transportOptions: WsTransportOptions = {
      maxPayloadBytes: this.#cfg.maxPayloadBytes,
      idleTimeoutSeconds: this.#cfg.idleTimeoutSeconds,
      // the policy limit is ours; uWS's hard cap (it closes the socket) only catches bursts between two sweeps
      hardBackpressureBytes: Math.min(2 * this.#cfg.maxBackpressureBytes, 2 ** 31 - 1),
    };
    const handlers: WsHandlers<Session> = {
      upgrade: (req) => new Session(this.#nextSessionId++, selectDialect(req, this.#dialects), this.#clock.now()),
      open: (conn) => this.#onOpen(conn),
      message: (conn, frame, isBinary) => this.#onMessage(conn.data, frame, isBinary),
      drain: (conn) => this.#checkBackpressure(conn.data),
      close: (conn, code, cause) => this.#onClose(conn.data, code, cause),
    };
    this.#transport = deps.createTransport?.(transportOptions, handlers) ?? new UwsTransport(transportOptions, handlers);
  }

  /** Registers the bus handlers and listens. Idempotent. Rejects when the port cannot be bound. */
  start(): Promise<{ port: number }> {
    this.#starting ??= (async () => {
      this.#bus.onMessage((env) => this.#onBusMessage(env));
      this.#bus.onStateChange((state) => this.#onBusState(state));
      this.#metrics.busUp.set(this.#bus.state === 'up' ? 1 : 0);
      const port = await this.#transport.listen(this.#cfg.host, this.#cfg.port);
      this.#scheduleSweep();
      this.#log.info({ event: 'edge.listening', host: this.#cfg.host, port, dialects: this.#dialects.map((d) => d.name) }, 'edge listening');
      return { port };
    })();
    return this.#starting;
  }

  /** For /readyz: ready while the bus is up and the public port accepts connections (false once draining). */
  ready(): ReadyReport {
    const checks = {
      bus: this.#bus.state === 'up',
      listening: this.#transport.listening && this.#draining === undefined && this.#closing === undefined,
    };
    return { ready: checks.bus && checks.listening, checks };
  }

  stats(): EdgeStats {
    return {
      connections: this.#sessions.size,
      subscriptions: this.#registry.total,
      topics: this.#registry.topics,
      busChannels: this.#channels.subscribed(),
      listening: this.#transport.listening,
      draining: this.#draining !== undefined,
    };
  }

  /**
   * Graceful shutdown, step one of two (then close(), then the owner closes the bus): readiness goes false, the
   * listener closes, and every client gets 1001 'server draining' (reconnect elsewhere) — in batches of
   * `drainBatchSize` spread with jitter over half of `timeoutMs`, so clients do not all reconnect at one instant.
   * Idempotent: a second call returns the first promise.
   */
  drain(timeoutMs: number): Promise<void> {
    this.#draining ??= (async () => {
      this.#transport.stopListening();
      const sessions = [...this.#sessions];
      const batch = this.#cfg.drainBatchSize;
      const batches = Math.ceil(sessions.length / batch);
      const spacingMs = batches > 1 ? Math.max(0, timeoutMs) / 2 / batches : 0;
      this.#log.info({ event: 'edge.draining', connections: sessions.length, batches, timeoutMs }, 'draining');
      for (let i = 0; i < sessions.length; i += batch) {
        if (i > 0) await this.#sleep(spacingMs * (0.5 + this.#random() * 0.5));
        for (const s of sessions.slice(i, i + batch)) this.#end(s, CLOSE.goingAway, 'draining');
      }
      this.#log.info({ event: 'edge.drained', remaining: this.#sessions.size }, 'drained');
    })();
    return this.#draining;
  }

  /**
   * Stops everything this edge started: listener, sweep timer, remaining sockets (forced), and — through the
   * refcounts — its bus subscriptions. Does not close the bus (the composition root owns it). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#cancelSweep?.();
      this.#cancelSweep = undefined;
      for (const s of [...this.#sessions]) s.closeReason ??= 'shutdown';
      this.#transport.close();
      const timedOut = await Promise.race([
        this.#channels.idle().then(() => false),
        this.#sleep(CLOSE_BUS_DEADLINE_MS).then(() => true),
      ]);
      if (timedOut) this.#log.warn({ event: 'edge.close_timeout', busChannels: this.#channels.subscribed() }, 'bus unsubscribes still pending at close');
      this.#log.info({ event: 'edge.closed' }, 'edge closed');
    })();
    return this.#closing;
  }

  // ——— connections ———

  #onOpen(conn: WsConnection<Session>): void {
    const s = conn.data;
    s.conn = conn;
    this.#sessions.add(s);
    this.#metrics.connections.inc();
    this.#metrics.connectionsOpened.inc();
    if (this.#log.isLevelEnabled('debug')) this.#log.debug({ event: 'conn.open', session: s.id, dialect: s.dialect.name }, 'connection open');
    // an upgrade that was in flight when drain started
    if (this.#draining !== undefined || this.#closing !== undefined) this.#end(s, CLOSE.goingAway, 'draining');
  }

  #onClose(s: Session, code: number, cause: CloseCause): void {
    s.closed = true;
    if (!this.#sessions.delete(s)) return;
    for (const topic of s.topics.values()) this.#forget(s, topic);
    s.topics.clear();
    const reason = s.closeReason ?? closeReasonFor(cause);
    if (cause === 'too_large') this.#metrics.clientErrors.inc({ reason: 'frame_too_large' });
    this.#metrics.connections.dec();
    this.#metrics.connectionsClosed.inc({ reason });
    this.#metrics.connectionLifetime.observe((this.#clock.now() - s.openedAtMs) / 1000);
    if (this.#log.isLevelEnabled('debug')) this.#log.debug({ event: 'conn.close', session: s.id, code, reason }, 'connection closed');
  }

  #end(s: Session, close: { readonly code: number; readonly reason: string }, why: ServerCloseReason): void {
    if (!s.isOpen) return;
    s.closeReason ??= why;
    s.conn?.end(close.code, close.reason);
  }

  // ——— client commands ———

  #onMessage(s: Session, frame: ArrayBuffer, isBinary: boolean): void {
    const cmd = s.dialect.decode(frame, isBinary); // synchronous: uWS detaches `frame` when we return
    if (cmd.type === 'ignore') return;
    if (s.pending === 0 && cmd.type !== 'subscribe') {
      void this.#handle(s, cmd); // synchronous for these; nothing queued ahead: answer inside the corked uWS callback
      return;
    }
    if (s.pending >= this.#cfg.maxPendingCommands) {
      this.#metrics.clientErrors.inc({ reason: 'rate_limited' });
      this.#end(s, CLOSE.rateLimited, 'rate_limited');
      return;
    }
    s.pending++;
    s.queue = s.queue
      .then(() => this.#handle(s, cmd))
      .catch((err: unknown) => {
        // a bug in command handling: this socket cannot be trusted to be consistent any more
        this.#log.error({ event: 'command.failed', session: s.id, err }, 'command handling failed');
        this.#end(s, CLOSE.internal, 'internal');
      })
      .finally(() => {
        s.pending--;
      });
  }

  /** Synchronous except for subscribe, which waits for the bus. */
  #handle(s: Session, cmd: Exclude<ClientCommand, { type: 'ignore' }>): void | Promise<void> {
    switch (cmd.type) {
      case 'invalid':
        this.#metrics.clientErrors.inc({ reason: cmd.reason });
        this.#reply(s, s.dialect.encodeError(cmd.code, cmd.message));
        return;
      case 'unsubscribe':
        this.#unsubscribe(s, cmd.topic, cmd.raw);
        return;
      case 'subscribe':
        return this.#subscribe(s, cmd.topic, cmd.raw);
    }
  }

  /** Acks only after the bus confirmed every channel the topic needs, so the ack means "live from here on". */
  async #subscribe(s: Session, topic: Topic, raw: string): Promise<void> {
    if (!s.isOpen) return;
    if (s.topics.has(topic.key)) {
      this.#reply(s, s.dialect.encodeAck('subscribe', raw)); // a set add, like upstream: idempotent
      return;
    }
    if (s.topics.size >= this.#cfg.maxSubscriptionsPerConnection) {
      this.#metrics.clientErrors.inc({ reason: 'too_many_subscriptions' });
      const e = ERROR.tooManySubscriptions;
      this.#reply(s, s.dialect.encodeError(e.code, e.message(this.#cfg.maxSubscriptionsPerConnection)));
      return;
    }
    const channels = channelsForTopic(topic.kind);
    try {
      await Promise.all(channels.map((ch) => this.#channels.acquire(ch)));
    } catch (err) {
      for (const ch of channels) this.#channels.release(ch);
      this.#log.warn({ event: 'subscribe.bus_unavailable', topicKind: topic.kind, err }, 'subscription refused: bus unavailable');
      this.#reply(s, s.dialect.encodeError(ERROR.other.code, ERROR.other.message('subscription unavailable, retry later')));
      return;
    }
    if (!s.isOpen) {
      for (const ch of channels) this.#channels.release(ch); // closed while the bus was answering
      return;
    }
    s.topics.set(topic.key, topic);
    this.#registry.add(s.dialect.name, topic.key);
    this.#metrics.subscriptions.inc({ topic_kind: topic.kind });
    // subscribe and ack in one corked block: every event published after this is behind the ack on the wire
    s.conn?.cork(() => {
      s.conn?.subscribe(uwsTopic(s.dialect.name, topic.key));
      this.#reply(s, s.dialect.encodeAck('subscribe', raw));
    });
  }

  #unsubscribe(s: Session, topic: Topic, raw: string): void {
    const held = s.topics.get(topic.key);
    if (held === undefined) {
      this.#metrics.clientErrors.inc({ reason: 'not_subscribed' });
      this.#reply(s, s.dialect.encodeError(ERROR.notSubscribed.code, ERROR.notSubscribed.message(raw)));
      return;
    }
    s.topics.delete(topic.key);
    s.conn?.unsubscribe(uwsTopic(s.dialect.name, topic.key));
    this.#forget(s, held);
    this.#reply(s, s.dialect.encodeAck('unsubscribe', raw));
  }

  /** Local bookkeeping of one subscription going away; uWS topic membership is the caller's business. */
  #forget(s: Session, topic: Topic): void {
    this.#registry.remove(s.dialect.name, topic.key);
    this.#metrics.subscriptions.dec({ topic_kind: topic.kind });
    for (const ch of channelsForTopic(topic.kind)) this.#channels.release(ch);
  }

  /** A direct send to one socket (acks, errors); corked because it may run outside a uWS callback. */
  #reply(s: Session, frame: string): void {
    const conn = s.conn;
    if (conn === undefined || !s.isOpen) return;
    const result = conn.cork(() => conn.send(frame, s.dialect.binary));
    switch (result) {
      case 'sent':
        return;
      case 'buffered':
        this.#checkBackpressure(s);
        return;
      case 'dropped':
        this.#metrics.messagesDropped.inc({ reason: 'backpressure' });
        this.#slowClient(s);
        return;
    }
  }

  // ——— backpressure ———

  #checkBackpressure(s: Session): void {
    if (s.isOpen && (s.conn?.bufferedAmount() ?? 0) > this.#cfg.maxBackpressureBytes) this.#slowClient(s);
  }

  #slowClient(s: Session): void {
    switch (this.#cfg.slowClientPolicy) {
      case 'close':
        // the socket keeps what it has buffered, and the 4008 close frame queues behind it: nothing is lost unseen
        this.#end(s, CLOSE.slow, 'slow_consumer');
        return;
    }
  }

  /** Published frames bypass JS per socket, so buffered amounts are checked here, on a timer, for every socket. */
  #scheduleSweep(): void {
    this.#cancelSweep = this.#clock.setTimeout(() => {
      for (const s of this.#sessions) this.#checkBackpressure(s);
      if (this.#closing === undefined) this.#scheduleSweep();
    }, this.#cfg.backpressureCheckIntervalMs);
  }

  // ——— bus → clients ———

  #onBusState(state: BusState): void {
    this.#metrics.busUp.set(state === 'up' ? 1 : 0);
    this.#log.info({ event: 'bus.state', state }, `bus ${state}`);
  }

  /**
   * Synchronous fan-out of one envelope: for each dialect with a subscriber on any matching topic, encode once,
   * then hand the same bytes to uWS once per matching topic. The body is never parsed.
   */
  #onBusMessage(env: Envelope): void {
    if (this.#closing !== undefined) return;
    this.#metrics.busMessages.inc({ channel: env.channel });
    const verdict = this.#gaps.check(env.channel, env.epoch, env.seq);
    switch (verdict.verdict) {
      case 'next':
        break;
      case 'duplicate':
        this.#metrics.messagesDropped.inc({ reason: 'duplicate' }); // already delivered once; clients must not see it twice
        return;
      case 'gap':
        // TODO(recovery): fill from..to from bus.history() before delivering this one; until then, counted and logged
        this.#metrics.busGaps.inc({ channel: env.channel });
        this.#log.warn({ event: 'bus.gap', channel: env.channel, epoch: env.epoch, from: verdict.from, to: verdict.to }, 'gap in bus sequence');
        break;
      case 'new-epoch':
        this.#log.info({ event: 'bus.new_epoch', channel: env.channel, epoch: env.epoch, seq: env.seq }, 'bus channel restarted its sequence');
        break;
    }
    const targets = routeEnvelope(env);
    let delivered = false;
    for (const dialect of this.#dialects) {
      if (!this.#registry.has(dialect.name)) continue;
      let frame: Buffer | undefined;
      for (const t of targets) {
        const readers = this.#registry.count(dialect.name, t.key);
        if (readers === 0) continue;
        frame ??= Buffer.from(dialect.encodeEvent(env), 'utf8');
        if (frame.byteLength > this.#cfg.maxEventFrameBytes) {
          this.#metrics.messagesDropped.inc({ reason: 'frame_too_large' }, readers);
          this.#log.warn({ event: 'fanout.frame_too_large', channel: env.channel, seq: env.seq, bytes: frame.byteLength }, 'event too large to send');
          continue;
        }
        this.#transport.publish(uwsTopic(dialect.name, t.key), frame, dialect.binary);
        const c = this.#sent(t.kind, dialect.name);
        c.sent.inc(readers);
        c.bytes.inc(readers * frame.byteLength);
        delivered = true;
      }
    }
    if (delivered) this.#metrics.deliveryLag.observe({ channel: env.channel }, Math.max(0, this.#clock.now() - env.ts) / 1000);
  }

  /** Label lookups cached per (topic kind, dialect): the fan-out runs them per message. */
  #sent(kind: string, dialect: string): SentCounters {
    const k = `${kind}|${dialect}`;
    let c = this.#sentCounters.get(k);
    if (c === undefined) {
      c = {
        sent: this.#metrics.messagesSent.labels({ topic_kind: kind, dialect }),
        bytes: this.#metrics.bytesSent.labels({ topic_kind: kind, dialect }),
      };
      this.#sentCounters.set(k, c);
    }
    return c;
  }

  #sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.#clock.setTimeout(() => resolve(true), ms);
    });
  }
}

function closeReasonFor(cause: CloseCause): string {
  switch (cause) {
    case 'peer':
      return 'client';
    case 'too_large':
      return 'frame_too_large';
    case 'abnormal':
      return 'abnormal';
    case 'local':
      return 'server';
  }
}
