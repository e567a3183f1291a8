// The edge worker, as lifecycle and composition: it wires admission, client commands, subscriptions, fan-out, direct
// sends with the slow-client policy, and timers together, and owns the sockets' open/close, bus state, feeds and drain.
// Lifecycle: start() → [drain(timeoutMs)] → close(). Shutdown order: readiness off and listener closed (drain),
// clients closed with 1001 in batches, then close(): timers, remaining sockets, bus unsubscribes, key leases, stats.
import { randomBytes } from 'node:crypto';
import {
  CLOSE, REJECT, evrmoreRpcDialect,
  type BusChannel, type ClientError, type Dialect, type Envelope, type RejectKind, type RequestRef,
} from '@chainfan/protocol';
import { type Bus, type BusState, type LeaseStore, MemoryLeaseStore, MemoryStatsRegistry, MemoryTtlCache, type StatsRegistry } from '@chainfan/bus';
import type { EdgeMetrics, Logger, ReadyReport } from '@chainfan/telemetry';
import { Admission, type AdmissionTicket, type DialectAdmission } from './admission.js';
import { Authenticator } from './auth/authenticator.js';
import { TopicAcl } from './auth/topic-acl.js';
import { OriginPolicy } from './auth/origin-policy.js';
import { ChannelRefs } from './channel-refs.js';
import { type Clock, systemClock } from './clock.js';
import { ClusterStats, type ClusterSummary } from './cluster/cluster-stats.js';
import { type EdgeConfig, edgeConfig } from './config.js';
import { DerivedStreams } from './derived/derived-streams.js';
import { DialectSelector } from './dialect-select.js';
import { HttpGate } from './http/http-gate.js';
import { ZionApi } from './http/zion-api.js';
import { ChannelFeed } from './feed/channel-feed.js';
import { EncodeCache } from './fanout/encode-cache.js';
import { ClientSender } from './fanout/client-sender.js';
import { Fanout } from './fanout/fanout.js';
import { SentCounters } from './fanout/sent-counters.js';
import { KeyLeases } from './limits/key-leases.js';
import { TokenBucket } from './limits/token-bucket.js';
import { CommandProxy } from './rpc/command-proxy.js';
import { ClientCommands } from './commands/client-commands.js';
import { type ServerCloseReason, Session } from './session.js';
import { SubscriptionRegistry } from './subscription-registry.js';
import { keyOf, Subscriptions } from './subscriptions/subscriptions.js';
import { ConnectionTimers, heartbeatTopic } from './timers/connection-timers.js';
import { UwsTransport } from './transport/uws-transport.js';
import type {
  CloseCause, HandlerName, HttpAnswer, HttpPostRequest, UpgradeDecision, UpgradeRequest, WsConnection, WsHandlers, WsTransport, WsTransportOptions,
} from './transport/ws-transport.js';

export interface EdgeDeps {
  readonly bus: Bus;
  readonly log: Logger;
  readonly metrics: EdgeMetrics;
  readonly config: EdgeConfig;
  /** served dialects; the first is the default for any path. Defaults to evrmore-rpc only. */
  readonly dialects?: readonly [Dialect, ...Dialect[]];
  /** first path segment → dialect name, besides each dialect's own name (e.g. `ws` → rustorium) */
  readonly dialectPaths?: ReadonlyMap<string, string>;
  /** answers command messages; defaults to none configured (commands refused with 1011) */
  readonly commands?: CommandProxy;
  /** where edges publish their numbers for cluster-wide status; defaults to this edge alone */
  readonly statsRegistry?: StatsRegistry;
  readonly clock?: Clock;
  /** [0, 1); drain jitter */
  readonly random?: () => number;
  /** defaults to uWebSockets.js */
  readonly createTransport?: (opts: WsTransportOptions, handlers: WsHandlers<Session>) => WsTransport;
  /** who may connect and subscribe to what; defaults to everyone, every topic */
  readonly authenticator?: Authenticator;
  /** defaults to any Origin */
  readonly origins?: OriginPolicy;
  /** cluster-wide per-API-key connection leases; defaults to this edge alone (MemoryLeaseStore) */
  readonly leases?: LeaseStore;
  /** unique per process (lease holders, logs); random by default */
  readonly edgeId?: string;
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
  /** API-key leases this edge holds in the LeaseStore */
  readonly keyLeases: number;
  /** open connections per dialect name */
  readonly byDialect: Readonly<Record<string, number>>;
  /** derived streams with local subscribers */
  readonly derivedStreams: number;
}

/** How long close() waits for in-flight bus unsubscribes before giving up on them. */
const CLOSE_BUS_DEADLINE_MS = 2_000;
/** Recently replayed history frames kept per (message, dialect): a reconnect storm encodes each once. */
const ENCODE_CACHE_MAX = 4_096;
const ENCODE_CACHE_MAX_BYTES = 8 * 1_048_576;
/** The path ZION's JSON-RPC `subscribe_events` sends clients to. */
const ZION_PATH = '/zion';

/** The ticket of a connection refused at admission but upgraded to be closed with its dialect's code. */
function doomedTicket(): AdmissionTicket {
  return {
    slot: { address: '', lease: undefined, released: true },
    principal: { kind: 'anonymous', id: undefined, limitKey: undefined, acl: TopicAcl.NONE, expiresAtMs: undefined, admin: false },
    protocol: '',
  };
}

export class Edge {
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #metrics: EdgeMetrics;
  readonly #cfg: EdgeConfig;
  readonly #dialects: readonly [Dialect, ...Dialect[]];
  readonly #selector: DialectSelector;
  readonly #derived: DerivedStreams;
  readonly #cluster: ClusterStats;
  readonly #clientCommands: ClientCommands;
  readonly #zion: ZionApi | undefined;
  readonly #http: HttpGate;
  readonly #byDialect = new Map<string, number>();
  /** the latest canonical `network` summary delivered here (status requests report it) */
  #lastNetwork: string | undefined;
  #port = 0;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #transport: WsTransport;
  readonly #registry = new SubscriptionRegistry();
  readonly #channels: ChannelRefs;
  readonly #feeds = new Map<BusChannel, ChannelFeed>();
  readonly #admission: Admission;
  readonly #keyLeases: KeyLeases;
  readonly #sessions = new Set<Session>();
  readonly #sent: SentCounters;
  readonly #encodeCache = new EncodeCache(ENCODE_CACHE_MAX, ENCODE_CACHE_MAX_BYTES);
  readonly #fanout: Fanout;
  readonly #sender: ClientSender;
  readonly #subs: Subscriptions;
  readonly #timers: ConnectionTimers;
  #nextSessionId = 1;
  #handlerFailures = 0;
  #starting: Promise<{ port: number }> | undefined;
  #draining: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(deps: EdgeDeps) {
    const edgeId = deps.edgeId ?? randomBytes(4).toString('hex');
    this.#bus = deps.bus;
    this.#log = deps.log.child({ component: 'edge', edge: edgeId });
    this.#metrics = deps.metrics;
    this.#cfg = edgeConfig(deps.config); // a hand-built config meets the table's bounds too (throws CHAINFAN_CONFIG_INVALID)
    this.#dialects = deps.dialects ?? [evrmoreRpcDialect];
    this.#selector = new DialectSelector(this.#dialects, deps.dialectPaths);
    this.#clock = deps.clock ?? systemClock;
    this.#derived = new DerivedStreams({
      has: (d, key) => this.#registry.get(d.name, key) !== undefined,
      publish: (d, key, stream, frame) => this.#fanout.publishDerived(d, key, stream, frame),
    }, this.#clock);
    this.#sent = new SentCounters(this.#metrics);
    this.#sender = new ClientSender({
      config: this.#cfg,
      metrics: this.#metrics,
      sent: this.#sent,
      log: this.#log,
      clock: this.#clock,
      sessions: () => this.#sessions,
      closing: () => this.#closing !== undefined,
      end: (s, close, why) => this.#end(s, close, why),
      position: (ch) => this.#feed(ch).position,
      dropSub: (s, sub) => this.#subs.dropSub(s, sub),
    });
    this.#timers = new ConnectionTimers({
      dialects: this.#dialects,
      clock: this.#clock,
      publish: (topic, frame, binary) => this.#transport.publish(topic, frame, binary),
      sessions: () => this.#sessions,
      closing: () => this.#closing !== undefined,
      end: (s, close, why) => this.#end(s, close, why),
    });
    this.#subs = new Subscriptions({
      config: this.#cfg,
      bus: this.#bus,
      metrics: this.#metrics,
      log: this.#log,
      clock: this.#clock,
      registry: this.#registry,
      derived: this.#derived,
      acquire: (ch) => this.#acquire(ch),
      release: (ch) => this.#channels.release(ch),
      feed: (ch) => this.#feed(ch),
      encode: (env, dialect) => this.#encodeCache.get(env, dialect),
      sender: this.#sender,
      fail: (s, error, ref) => this.#fail(s, error, ref),
    });
    this.#fanout = new Fanout({
      dialects: this.#dialects,
      registry: this.#registry,
      publish: (topic, frame, binary) => this.#transport.publish(topic, frame, binary),
      maxEventFrameBytes: this.#cfg.maxEventFrameBytes,
      sent: this.#sent,
      metrics: this.#metrics,
      log: this.#log,
      clock: this.#clock,
      delivered: (env) => {
        if (env.channel === 'ctl' && env.kind === 'network') this.#lastNetwork = env.body;
        this.#derived.deliver(env);
      },
    });
    this.#cluster = new ClusterStats({
      registry: deps.statsRegistry ?? new MemoryStatsRegistry({ now: () => this.#clock.now() }),
      edgeId,
      intervalMs: this.#cfg.statsIntervalMs,
      snapshot: () => {
        const st = this.stats();
        return { connections: st.connections, subscriptions: st.subscriptions, byDialect: st.byDialect };
      },
      clock: this.#clock,
      log: deps.log.child({ component: 'cluster', edge: edgeId }),
    });
    this.#clientCommands = new ClientCommands({
      config: this.#cfg,
      metrics: this.#metrics,
      clock: this.#clock,
      proxy: deps.commands ?? new CommandProxy({
        rpc: undefined, cache: new MemoryTtlCache(), cacheTtlMs: 1_000, maxInflight: 1, log: deps.log, metrics: deps.metrics,
      }),
      cluster: () => this.#cluster.read(),
      network: () => this.#lastNetwork,
      reply: (s, frame) => this.#sender.reply(s, frame),
      end: (s, close, why) => this.#end(s, close, why),
      failed: (err, s) => this.#handlerFailed('command', err, s),
      subscribe: (s, target, raw, since, ref, implicit) => this.#subs.subscribe(s, target, raw, since, ref, implicit),
      unsubscribe: (s, target, raw, ref) => this.#subs.unsubscribe(s, target, raw, ref),
    });
    this.#random = deps.random ?? Math.random;
    this.#channels = new ChannelRefs(this.#bus, {
      onError: (channel, op, err) => this.#log.warn({ event: `bus.${op}_failed`, channel, err }, `bus ${op} failed`),
      onChange: (channel, subscribed) => {
        // a new subscription starts from a fresh baseline; the old position says nothing about gaps
        if (!subscribed) this.#feeds.get(channel)?.stop();
        this.#log.debug({ event: 'bus.channel', channel, subscribed }, subscribed ? 'bus channel subscribed' : 'bus channel released');
      },
    });
    this.#keyLeases = new KeyLeases({
      store: deps.leases ?? new MemoryLeaseStore({ now: () => this.#clock.now() }),
      ttlMs: this.#cfg.keyLeaseTtlMs,
      edgeId,
      clock: this.#clock,
      log: deps.log.child({ component: 'limits', edge: edgeId }),
      metrics: this.#metrics,
    });
    const authenticator = deps.authenticator ?? Authenticator.open(this.#clock, deps.log.child({ component: 'auth' }));
    this.#zion = this.#dialects.some((d) => d.name === 'zion')
      ? new ZionApi({
        bus: this.#bus,
        cluster: this.#cluster,
        authenticator,
        clock: this.#clock,
        log: deps.log.child({ component: 'zion-api', edge: edgeId }),
        host: this.#cfg.host,
        port: () => this.#port,
        publicUrl: this.#cfg.publicUrl,
        path: ZION_PATH,
      })
      : undefined;
    const origins = deps.origins ?? new OriginPolicy([]);
    this.#http = new HttpGate({ origins, metrics: this.#metrics, servesPost: (req) => this.#servesPost(req) });
    this.#admission = new Admission({
      config: this.#cfg,
      authenticator,
      origins,
      leases: this.#keyLeases,
      metrics: this.#metrics,
      log: deps.log.child({ component: 'admission', edge: edgeId }),
    });
    const transportOptions: WsTransportOptions = {
      maxPayloadBytes: this.#cfg.maxPayloadBytes,
      idleTimeoutSeconds: this.#cfg.idleTimeoutSeconds,
      // the policy limit is ours; uWS's hard cap (it closes the socket) only catches bursts between two sweeps
      hardBackpressureBytes: Math.min(2 * this.#cfg.maxBackpressureBytes, 2 ** 31 - 1),
      maxHttpBodyBytes: this.#cfg.maxHttpBodyBytes,
      ...(this.#cfg.staticDir === undefined ? {} : { staticDir: this.#cfg.staticDir }),
      webSocketOnly: (url) => this.#selector.namesDialect(url),
    };
    const handlers: WsHandlers<Session> = {
      upgrade: (req) => this.#upgrade(req),
      abandoned: (s) => this.#admission.release(s.ticket.slot),
      open: (conn) => this.#onOpen(conn),
      message: (conn, frame, isBinary) => this.#clientCommands.receive(conn.data, frame, isBinary),
      drain: (conn) => this.#sender.onDrain(conn.data),
      close: (conn, code, cause) => this.#onClose(conn.data, code, cause),
      post: (req) => this.#http.post(req, (r) => this.#post(r)),
      options: (req) => this.#http.preflight(req),
      failed: (where, err, conn) => this.#handlerFailed(where, err, conn?.data),
    };
    this.#transport = deps.createTransport?.(transportOptions, handlers) ?? new UwsTransport(transportOptions, handlers);
  }

  /** Registers the bus handlers and listens. Idempotent. Rejects when the port cannot be bound. */
  start(): Promise<{ port: number }> {
    this.#starting ??= (async () => {
      this.#bus.onMessage((env) => this.#onBusMessage(env));
      this.#bus.onStateChange((state) => this.#onBusState(state));
      this.#setBusState(this.#bus.state);
      const port = await this.#transport.listen(this.#cfg.host, this.#cfg.port);
      this.#port = port;
      this.#sender.startSweep();
      this.#keyLeases.start();
      this.#cluster.start();
      this.#timers.start();
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
      keyLeases: this.#keyLeases.size,
      byDialect: Object.fromEntries(this.#byDialect),
      derivedStreams: this.#derived.active,
    };
  }

  /** Every edge's numbers summed (this edge's alone, `partial`, when the registry cannot be read). */
  cluster(): Promise<ClusterSummary> {
    return this.#cluster.read();
  }

  /**
   * Graceful shutdown, step one of two (then close(), then the owner closes the bus): readiness goes false, the
   * listener closes (upgrades still being admitted get 503), and every client gets 1001 'server draining' (reconnect
   * elsewhere) — in batches of `drainBatchSize` spread with jitter over half of `timeoutMs`, so clients do not all
   * reconnect at one instant. Idempotent: a second call returns the first promise.
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
   * Stops everything this edge started: listener, timers, remaining sockets (forced), feeds, key leases, and —
   * through the refcounts — its bus subscriptions. Does not close the bus (the composition root owns it). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#sender.stopSweep();
      this.#timers.stop();
      for (const s of [...this.#sessions]) s.closeReason ??= 'shutdown';
      this.#transport.close();
      const timedOut = await Promise.race([
        this.#channels.idle().then(() => false),
        this.#sleep(CLOSE_BUS_DEADLINE_MS).then(() => true),
      ]);
      if (timedOut) this.#log.warn({ event: 'edge.close_timeout', busChannels: this.#channels.subscribed() }, 'bus unsubscribes still pending at close');
      for (const f of this.#feeds.values()) f.stop();
      this.#derived.close();
      await Promise.all([this.#keyLeases.close(), this.#cluster.close()]);
      this.#log.info({ event: 'edge.closed' }, 'edge closed');
    })();
    return this.#closing;
  }

  // ——— admission and connections ———

  #upgrade(req: UpgradeRequest): Promise<UpgradeDecision<Session>> {
    const refusing = (): boolean => this.#draining !== undefined || this.#closing !== undefined;
    const dialect = this.#selector.select(req);
    const perKey = dialect.limits?.maxConnectionsPerKey;
    const rules: DialectAdmission = {
      ...(perKey === undefined ? {} : { keyLimit: { maxConnectionsPerKey: perKey, scope: dialect.name } }),
      ...(dialect.limits?.requiresCredentials === true ? { requiresCredentials: true } : {}),
    };
    return this.#admission.admit(req, refusing, rules).then((r): UpgradeDecision<Session> => {
      if (!r.ok) return this.#refuse(dialect, r.reject);
      return { accept: this.#session(dialect, r.ticket), protocol: r.ticket.protocol };
    });
  }

  /** An HTTP refusal, or — for dialects whose clients learn about refusals from close codes — a socket closed on open. */
  #refuse(dialect: Dialect, reject: RejectKind): UpgradeDecision<Session> {
    const close = dialect.closeFor?.(reject);
    if (close === undefined) {
      const { status, code, message } = REJECT[reject];
      return { reject: { status, code, message } };
    }
    const s = this.#session(dialect, doomedTicket());
    s.doomed = close;
    return { accept: s, protocol: '' };
  }

  #session(dialect: Dialect, ticket: AdmissionTicket): Session {
    const now = this.#clock.now();
    const perMinute = dialect.limits?.messagesPerMinute;
    const bucket = perMinute === undefined
      ? new TokenBucket(this.#cfg.messageRatePerSecond, this.#cfg.messageBurst, now)
      : new TokenBucket(perMinute / 60, perMinute, now);
    const maxSubs = dialect.limits?.maxSubscriptionsPerConnection ?? this.#cfg.maxSubscriptionsPerConnection;
    return new Session(this.#nextSessionId++, dialect, now, ticket, bucket, maxSubs);
  }

  #onOpen(conn: WsConnection<Session>): void {
    const s = conn.data;
    s.conn = conn;
    this.#sessions.add(s);
    this.#byDialect.set(s.dialect.name, (this.#byDialect.get(s.dialect.name) ?? 0) + 1);
    this.#metrics.connections.inc();
    this.#metrics.connectionsOpened.inc();
    if (this.#log.isLevelEnabled('debug')) {
      this.#log.debug({ event: 'conn.open', session: s.id, dialect: s.dialect.name, principal: s.ticket.principal.id, auth: s.ticket.principal.kind }, 'connection open');
    }
    // an upgrade that was in flight when drain started
    if (this.#draining !== undefined || this.#closing !== undefined) {
      this.#end(s, CLOSE.goingAway, 'draining');
      return;
    }
    if (s.doomed !== undefined) {
      this.#end(s, s.doomed, 'rejected');
      return;
    }
    if (s.dialect.heartbeat !== undefined) conn.subscribe(heartbeatTopic(s.dialect));
    if (s.dialect.encodeWelcome !== undefined) this.#sender.reply(s, s.dialect.encodeWelcome(this.#clock.now()));
    for (const target of s.dialect.implicit ?? []) {
      this.#clientCommands.enqueue(s, () => this.#subs.subscribe(s, target, keyOf(target), undefined, undefined, true));
    }
    this.#timers.watchExpiry(s);
  }

  #onClose(s: Session, code: number, cause: CloseCause): void {
    s.closed = true;
    s.expiry?.();
    for (const resolve of s.writable.splice(0)) resolve();
    this.#admission.release(s.ticket.slot);
    if (!this.#sessions.delete(s)) return;
    this.#byDialect.set(s.dialect.name, (this.#byDialect.get(s.dialect.name) ?? 1) - 1);
    for (const sub of s.subs.values()) this.#subs.dropSub(s, sub);
    s.subs.clear();
    const reason = s.closeReason ?? closeReasonFor(cause);
    if (cause === 'too_large') {
      this.#metrics.clientErrors.inc({ reason: 'frame_too_large' });
      this.#metrics.limitHits.inc({ limit: 'frame_size' });
    }
    this.#metrics.connections.dec();
    this.#metrics.connectionsClosed.inc({ reason });
    this.#metrics.connectionLifetime.observe((this.#clock.now() - s.openedAtMs) / 1000);
    this.#metrics.connectionMessages.observe(s.messages);
    if (this.#log.isLevelEnabled('debug')) this.#log.debug({ event: 'conn.close', session: s.id, code, reason, messages: s.messages }, 'connection closed');
  }

  /**
   * A handler threw: a bug, never the client's fault. The transport closes that one socket (or answers that one
   * request 500); here it is counted, and logged at error with its context — the first time, then at powers of two,
   * so a client that can trigger it in a loop cannot flood the log.
   */
  #handlerFailed(where: HandlerName | 'command', err: unknown, s: Session | undefined): void {
    this.#metrics.handlerFailures.inc({ handler: where });
    if (s !== undefined) s.closeReason ??= 'internal';
    const n = ++this.#handlerFailures;
    if ((n & (n - 1)) !== 0) return;
    this.#log.error(
      { event: 'handler.failed', handler: where, session: s?.id, dialect: s?.dialect.name, principal: s?.ticket.principal.id, err, count: n },
      `${where} handler failed: socket closed 1011`,
    );
  }

  #end(s: Session, close: { readonly code: number; readonly reason: string }, why: ServerCloseReason): void {
    if (!s.isOpen) return;
    s.closeReason ??= why;
    s.conn?.end(close.code, close.reason);
  }

  // ——— client commands ———

  /** An error frame for one request, counted by reason. */
  #fail(s: Session, error: ClientError, ref: RequestRef): void {
    this.#clientCommands.fail(s, error, ref);
  }

  /** ZION's JSON-RPC over HTTP, on the paths that select the ZION dialect; the transport answers other POSTs 426. */
  #post(req: HttpPostRequest): Promise<HttpAnswer | undefined> {
    if (this.#zion === undefined || !this.#servesPost(req)) return Promise.resolve(undefined);
    return this.#zion.handle(req).then((a) => {
      if (a.status === 400) this.#metrics.clientErrors.inc({ reason: 'invalid_http_body' });
      return a;
    });
  }

  #servesPost(req: { readonly url: string; readonly query: string }): boolean {
    return this.#zion !== undefined && this.#selector.select(req).name === 'zion';
  }

  // ——— bus → clients ———

  #acquire(ch: BusChannel): Promise<void> {
    return this.#channels.acquire(ch).then(() => this.#feed(ch).ensureStarted());
  }

  #feed(ch: BusChannel): ChannelFeed {
    let f = this.#feeds.get(ch);
    if (f === undefined) {
      f = new ChannelFeed(ch, {
        bus: this.#bus,
        hooks: { deliver: (env) => this.#fanout.deliver(env), lost: (c, reason, pos) => this.#fanout.lost(c, reason, pos) },
        options: {
          ringCapacity: this.#cfg.recentMessagesPerChannel,
          ringMaxBytes: this.#cfg.recentBytesPerChannel,
          maxHeld: this.#cfg.maxHeldMessagesPerChannel,
          pageSize: this.#cfg.historyPageSize,
        },
        metrics: this.#metrics,
        log: this.#log.child({ component: 'feed', channel: ch }),
        clock: this.#clock,
      });
      this.#feeds.set(ch, f);
    }
    return f;
  }

  #onBusState(state: BusState): void {
    this.#setBusState(state);
    this.#log.info({ event: 'bus.state', state }, `bus ${state}`);
    for (const f of this.#feeds.values()) {
      if (state === 'down') f.busDown();
      else if (state === 'up') f.busUp();
    }
  }

  #setBusState(state: BusState): void {
    this.#metrics.busUp.set(state === 'up' ? 1 : 0);
    for (const s of ['connecting', 'up', 'down', 'closed'] as const) this.#metrics.busState.set({ state: s }, s === state ? 1 : 0);
  }

  #onBusMessage(env: Envelope): void {
    if (this.#closing !== undefined) return;
    this.#metrics.busMessages.inc({ channel: env.channel });
    this.#feeds.get(env.channel)?.receive(env);
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
