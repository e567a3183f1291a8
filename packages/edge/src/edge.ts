// The edge worker, as lifecycle and composition: it wires connections, client commands, subscriptions, fan-out,
// backpressure, timers, the bus feeds and HTTP together, and owns start, readiness, stats, drain and close.
// Lifecycle: start() → [drain(timeoutMs)] → close(). Shutdown order: readiness off and listener closed (drain),
// clients closed with 1001 in batches, then close(): timers, remaining sockets, bus unsubscribes, key leases, stats.
import { randomBytes } from 'node:crypto';
import { CLOSE, evrmoreRpcDialect, type BusChannel, type Dialect } from '@chainfan/protocol';
import { type Bus, type LeaseStore, MemoryLeaseStore, MemoryStatsRegistry, MemoryTtlCache, type StatsRegistry } from '@chainfan/bus';
import type { EdgeMetrics, Logger, ReadyReport } from '@chainfan/telemetry';
import { Admission } from './admission.js';
import { Authenticator } from './auth/authenticator.js';
import { OriginPolicy } from './auth/origin-policy.js';
import { Backpressure } from './backpressure/backpressure.js';
import { type Clock, systemClock } from './clock.js';
import { ClusterStats, type ClusterSummary } from './cluster/cluster-stats.js';
import { type EdgeConfig, edgeConfig } from './config.js';
import { DerivedStreams } from './derived/derived-streams.js';
import { Connections } from './connections/connections.js';
import { DialectSelector } from './dialect-select.js';
import { HttpGate } from './http/http-gate.js';
import { ZionApi } from './http/zion-api.js';
import { BusFeeds } from './feed/bus-feeds.js';
import { EncodeCache } from './fanout/encode-cache.js';
import { ClientSender } from './fanout/client-sender.js';
import { Fanout } from './fanout/fanout.js';
import { SentCounters } from './fanout/sent-counters.js';
import { KeyLeases } from './limits/key-leases.js';
import { CommandProxy } from './rpc/command-proxy.js';
import type { ChainReader } from './rpc/node-chain.js';
import { ClientCommands } from './commands/client-commands.js';
import type { EndSocket, Session } from './session.js';
import { SubscriptionRegistry } from './subscription-registry.js';
import { keyOf, Subscriptions } from './subscriptions/subscriptions.js';
import { ConnectionTimers, heartbeatTopic } from './timers/connection-timers.js';
import { UwsTransport } from './transport/uws-transport.js';
import type { HttpAnswer, HttpPostRequest, WsHandlers, WsTransport, WsTransportOptions } from './transport/ws-transport.js';

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
  /** the node's chain, for resumes from a block past history; defaults to none (history only) */
  readonly chain?: ChainReader;
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

export class Edge {
  readonly #log: Logger;
  readonly #metrics: EdgeMetrics;
  readonly #cfg: EdgeConfig;
  readonly #dialects: readonly [Dialect, ...Dialect[]];
  readonly #selector: DialectSelector;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #bus: Bus;
  readonly #registry = new SubscriptionRegistry();
  readonly #encodeCache = new EncodeCache(ENCODE_CACHE_MAX, ENCODE_CACHE_MAX_BYTES);
  readonly #feeds: BusFeeds;
  readonly #derived: DerivedStreams;
  readonly #fanout: Fanout;
  readonly #cluster: ClusterStats;
  readonly #keyLeases: KeyLeases;
  readonly #connections: Connections;
  readonly #sender: ClientSender;
  readonly #backpressure: Backpressure;
  readonly #subs: Subscriptions;
  readonly #clientCommands: ClientCommands;
  readonly #timers: ConnectionTimers;
  readonly #zion: ZionApi | undefined;
  readonly #http: HttpGate;
  readonly #transport: WsTransport;
  /** the latest canonical `network` summary delivered here (status requests report it) */
  #lastNetwork: string | undefined;
  #port = 0;
  #starting: Promise<{ port: number }> | undefined;
  #draining: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(deps: EdgeDeps) {
    const edgeId = deps.edgeId ?? randomBytes(4).toString('hex');
    const cfg = edgeConfig(deps.config); // a hand-built config meets the table's bounds too (throws CHAINFAN_CONFIG_INVALID)
    const clock = deps.clock ?? systemClock;
    const log = deps.log.child({ component: 'edge', edge: edgeId });
    const metrics = deps.metrics;
    const closing = (): boolean => this.#closing !== undefined;
    const end: EndSocket = (s, close, why) => this.#connections.end(s, close, why);
    this.#log = log;
    this.#metrics = metrics;
    this.#cfg = cfg;
    this.#clock = clock;
    this.#random = deps.random ?? Math.random;
    this.#bus = deps.bus;
    this.#dialects = deps.dialects ?? [evrmoreRpcDialect];
    this.#selector = new DialectSelector(this.#dialects, deps.dialectPaths);
    const publish = (topic: string, frame: string | Buffer, binary: boolean): void => this.#transport.publish(topic, frame, binary);

    // bus → clients
    const sent = new SentCounters(metrics);
    this.#derived = new DerivedStreams({
      has: (d, key) => this.#registry.get(d.name, key) !== undefined,
      publish: (d, key, stream, frame) => this.#fanout.publishDerived(d, key, stream, frame),
    }, clock);
    this.#fanout = new Fanout({
      dialects: this.#dialects, registry: this.#registry, publish, maxEventFrameBytes: cfg.maxEventFrameBytes, sent, metrics, log, clock,
      txsPartitions: cfg.txsPartitions,
      delivered: (env) => {
        if (env.channel === 'ctl' && env.kind === 'network') this.#lastNetwork = env.body;
        this.#derived.deliver(env);
      },
    });
    this.#feeds = new BusFeeds({
      bus: this.#bus,
      hooks: { deliver: (env) => this.#fanout.deliver(env), lost: (c, reason, pos) => this.#fanout.lost(c, reason, pos) },
      options: {
        ringCapacity: cfg.recentMessagesPerChannel,
        ringMaxBytes: cfg.recentBytesPerChannel,
        maxHeld: cfg.maxHeldMessagesPerChannel,
        pageSize: cfg.historyPageSize,
      },
      metrics, log, clock, closing,
    });

    // cluster-wide numbers and limits
    this.#cluster = new ClusterStats({
      registry: deps.statsRegistry ?? new MemoryStatsRegistry({ now: () => clock.now() }),
      edgeId,
      intervalMs: cfg.statsIntervalMs,
      snapshot: () => {
        const st = this.stats();
        return { connections: st.connections, subscriptions: st.subscriptions, byDialect: st.byDialect };
      },
      clock,
      log: deps.log.child({ component: 'cluster', edge: edgeId }),
    });
    this.#keyLeases = new KeyLeases({
      store: deps.leases ?? new MemoryLeaseStore({ now: () => clock.now() }),
      ttlMs: cfg.keyLeaseTtlMs,
      edgeId,
      clock,
      log: deps.log.child({ component: 'limits', edge: edgeId }),
      metrics,
    });

    // one socket's jobs
    this.#sender = new ClientSender({ config: cfg, metrics, sent, afterSend: (s, result) => this.#backpressure.afterSend(s, result) });
    this.#subs = new Subscriptions({
      config: cfg, bus: this.#bus, metrics, log, clock,
      registry: this.#registry,
      derived: this.#derived,
      acquire: (ch) => this.#feeds.acquire(ch),
      release: (ch) => this.#feeds.release(ch),
      feed: (ch) => this.#feeds.feed(ch),
      encode: (env, dialect) => this.#encodeCache.get(env, dialect),
      reply: (s, frame) => this.#sender.reply(s, frame),
      sendReplay: (s, kind, frame, isEvent) => this.#sender.sendReplay(s, kind, frame, isEvent),
      whenWritable: (s) => this.#backpressure.whenWritable(s),
      fail: (s, error, ref) => this.#clientCommands.fail(s, error, ref),
      chain: deps.chain,
    });
    this.#backpressure = new Backpressure({
      config: cfg, metrics, log, clock, closing, end,
      sessions: () => this.#connections.all(),
      position: (ch) => this.#feeds.position(ch),
      dropForResync: (s, position) => this.#subs.dropForResync(s, position),
      reply: (s, frame) => this.#sender.reply(s, frame),
    });
    this.#timers = new ConnectionTimers({ dialects: this.#dialects, clock, publish, sessions: () => this.#connections.all(), closing, end });
    this.#clientCommands = new ClientCommands({
      config: cfg, metrics, clock, end,
      proxy: deps.commands ?? new CommandProxy({
        rpc: undefined, cache: new MemoryTtlCache(), cacheTtlMs: 1_000, maxInflight: 1, log: deps.log, metrics,
      }),
      cluster: () => this.#cluster.read(),
      network: () => this.#lastNetwork,
      reply: (s, frame) => this.#sender.reply(s, frame),
      failed: (err, s) => this.#connections.handlerFailed('command', err, s),
      subscribe: (s, target, raw, since, ref, implicit, block) => this.#subs.subscribe(s, target, raw, since, ref, implicit, block),
      unsubscribe: (s, target, raw, ref) => this.#subs.unsubscribe(s, target, raw, ref),
      subscriptions: (s) => this.#subs.asked(s),
    });

    // who gets in
    const authenticator = deps.authenticator ?? Authenticator.open(clock, deps.log.child({ component: 'auth' }));
    const origins = deps.origins ?? new OriginPolicy([]);
    this.#connections = new Connections({
      config: cfg, selector: this.#selector, metrics, log, clock,
      admission: new Admission({
        config: cfg, authenticator, origins, leases: this.#keyLeases, metrics, log: deps.log.child({ component: 'admission', edge: edgeId }),
      }),
      refusing: () => this.#draining !== undefined || this.#closing !== undefined,
      opened: (s) => this.#opened(s),
      closed: (s) => {
        this.#timers.unwatch(s);
        this.#backpressure.closed(s);
        this.#subs.closed(s);
      },
      messages: (s) => this.#sender.directMessages(s) + this.#subs.topicMessages(s),
    });
    this.#zion = this.#dialects.some((d) => d.name === 'zion')
      ? new ZionApi({
        bus: this.#bus, cluster: this.#cluster, authenticator, clock,
        log: deps.log.child({ component: 'zion-api', edge: edgeId }),
        host: cfg.host,
        port: () => this.#port,
        publicUrl: cfg.publicUrl,
        path: ZION_PATH,
      })
      : undefined;
    this.#http = new HttpGate({ origins, metrics, servesPost: (req) => this.#servesPost(req) });

    const transportOptions: WsTransportOptions = {
      maxPayloadBytes: cfg.maxPayloadBytes,
      idleTimeoutSeconds: cfg.idleTimeoutSeconds,
      // the policy limit is ours; uWS's hard cap (it closes the socket) only catches bursts between two sweeps
      hardBackpressureBytes: Math.min(2 * cfg.maxBackpressureBytes, 2 ** 31 - 1),
      maxHttpBodyBytes: cfg.maxHttpBodyBytes,
      ...(cfg.staticDir === undefined ? {} : { staticDir: cfg.staticDir }),
      webSocketOnly: (url) => this.#selector.namesDialect(url),
    };
    const handlers: WsHandlers<Session> = {
      upgrade: (req) => this.#connections.upgrade(req),
      abandoned: (s) => this.#connections.abandoned(s),
      open: (conn) => this.#connections.open(conn),
      message: (conn, frame, isBinary) => this.#clientCommands.receive(conn.data, frame, isBinary),
      drain: (conn) => this.#backpressure.onDrain(conn.data),
      close: (conn, code, cause) => this.#connections.close(conn.data, code, cause),
      post: (req) => this.#http.post(req, (r) => this.#post(r)),
      options: (req) => this.#http.preflight(req),
      failed: (where, err, conn) => this.#connections.handlerFailed(where, err, conn?.data),
    };
    this.#transport = deps.createTransport?.(transportOptions, handlers) ?? new UwsTransport(transportOptions, handlers);
  }

  /** Registers the bus handlers and listens. Idempotent. Rejects when the port cannot be bound. */
  start(): Promise<{ port: number }> {
    this.#starting ??= (async () => {
      this.#feeds.start();
      const port = await this.#transport.listen(this.#cfg.host, this.#cfg.port);
      this.#port = port;
      this.#backpressure.startSweep();
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
      connections: this.#connections.size,
      subscriptions: this.#registry.total,
      topics: this.#registry.topics,
      busChannels: this.#feeds.subscribed(),
      listening: this.#transport.listening,
      draining: this.#draining !== undefined,
      keyLeases: this.#keyLeases.size,
      byDialect: this.#connections.byDialect(),
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
      const sessions = [...this.#connections.all()];
      const batch = this.#cfg.drainBatchSize;
      const batches = Math.ceil(sessions.length / batch);
      const spacingMs = batches > 1 ? Math.max(0, timeoutMs) / 2 / batches : 0;
      this.#log.info({ event: 'edge.draining', connections: sessions.length, batches, timeoutMs }, 'draining');
      for (let i = 0; i < sessions.length; i += batch) {
        if (i > 0) await this.#sleep(spacingMs * (0.5 + this.#random() * 0.5));
        for (const s of sessions.slice(i, i + batch)) this.#connections.end(s, CLOSE.goingAway, 'draining');
      }
      this.#log.info({ event: 'edge.drained', remaining: this.#connections.size }, 'drained');
    })();
    return this.#draining;
  }

  /**
   * Stops everything this edge started: listener, timers, remaining sockets (forced), feeds, key leases, and —
   * through the refcounts — its bus subscriptions. Does not close the bus (the composition root owns it). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#backpressure.stopSweep();
      this.#timers.stop();
      this.#connections.shuttingDown();
      this.#transport.close();
      const timedOut = await Promise.race([
        this.#feeds.idle().then(() => false),
        this.#sleep(CLOSE_BUS_DEADLINE_MS).then(() => true),
      ]);
      if (timedOut) this.#log.warn({ event: 'edge.close_timeout', busChannels: this.#feeds.subscribed() }, 'bus unsubscribes still pending at close');
      this.#feeds.stop();
      this.#derived.close();
      await Promise.all([this.#keyLeases.close(), this.#cluster.close()]);
      this.#log.info({ event: 'edge.closed' }, 'edge closed');
    })();
    return this.#closing;
  }

  /** What a socket that opened and stays gets from the start. */
  #opened(s: Session): void {
    if (s.dialect.heartbeat !== undefined) s.conn?.subscribe(heartbeatTopic(s.dialect));
    if (s.dialect.encodeWelcome !== undefined) this.#sender.reply(s, s.dialect.encodeWelcome(this.#clock.now()));
    for (const target of s.dialect.implicit ?? []) {
      this.#clientCommands.enqueue(s, () => this.#subs.subscribe(s, target, keyOf(target), undefined, undefined, true));
    }
    this.#timers.watchExpiry(s);
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

  #sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.#clock.setTimeout(() => resolve(true), ms);
    });
  }
}
