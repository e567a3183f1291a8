// ioredis connections for a RedisTopology: the same fail-fast behaviour (no offline queue, nothing replayed after a
// reconnect) whether the target is one server, a Sentinel-watched primary or a Cluster.
import { type Clock, systemClock } from '@chainfan/protocol';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisTopology } from './redis-topology.js';

/** A connection or a cluster client; both speak the commands the bus and the stores use. */
export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** shows up in CLIENT LIST */
  readonly connectionName: string;
  readonly connectTimeoutMs: number;
  /** delay before reconnect attempt n (1-based) */
  readonly retryDelayMs: (attempt: number) => number;
  /** commands of one tick leave in one write (the publish connection) */
  readonly autoPipelining?: boolean;
  /** the client will SSUBSCRIBE: on a Cluster, one subscriber connection per shard (ioredis `shardedSubscribers`) */
  readonly shardedSubscriber?: boolean;
}

export function createRedisClient(t: RedisTopology, o: RedisClientOptions): RedisClient {
  const tls = t.tls === undefined ? undefined : t.tls.ca === undefined ? {} : { ca: t.tls.ca };
  const common: RedisOptions = {
    connectionName: o.connectionName,
    connectTimeout: o.connectTimeoutMs,
    retryStrategy: o.retryDelayMs,
    // Nothing waits behind the caller's back during an outage: commands fail at once while disconnected, and
    // commands in flight when the connection drops are rejected instead of being replayed after reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // the bus re-subscribes itself, so that 'up' is emitted only once Redis has confirmed every channel
    autoResubscribe: false,
    enableAutoPipelining: o.autoPipelining === true,
    ...(t.username !== undefined ? { username: t.username } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
    ...(tls !== undefined ? { tls } : {}),
  };
  switch (t.kind) {
    case 'single':
      return guardSocketErrors(new Redis(t.url, common));
    case 'sentinel':
      return guardSocketErrors(new Redis({
        ...common,
        sentinels: t.sentinels.map((e) => ({ host: e.host, port: e.port })),
        name: t.name,
        ...(t.sentinelPassword !== undefined ? { sentinelPassword: t.sentinelPassword } : {}),
        ...(tls !== undefined ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
        sentinelRetryStrategy: o.retryDelayMs,
        // reconnect to the new primary as soon as a sentinel announces +switch-master, not at the next error
        failoverDetector: true,
      }));
    case 'cluster': {
      const opts: ClusterOptions = {
        redisOptions: common,
        clusterRetryStrategy: o.retryDelayMs,
        enableOfflineQueue: false,
        enableAutoPipelining: o.autoPipelining === true,
        shardedSubscribers: o.shardedSubscriber === true,
        scaleReads: 'master',
        // during a failover the slot's node answers CLUSTERDOWN / MOVED / TRYAGAIN for a moment: those replies mean the
        // command did not run, so following them within the deadline is safe
        maxRedirections: 16,
        retryDelayOnClusterDown: 100,
        retryDelayOnTryAgain: 100,
        // …but a command in flight when its node's connection closed may have run: never resend it (a publish would be
        // sequenced twice). The caller learns the outcome is unknown; the slot map is refreshed every second so new
        // commands find the promoted replica soon
        retryDelayOnFailover: 0,
        slotsRefreshInterval: 1_000,
        slotsRefreshTimeout: o.connectTimeoutMs,
        ...(tls !== undefined ? { dnsLookup: (address: string, cb: (err: Error | null, address: string) => void) => cb(null, address) } : {}),
      };
      const cluster = new Cluster(t.nodes.map((e) => ({ host: e.host, port: e.port })), opts);
      cluster.on('+node', (node: Redis) => guardSocketErrors(node));
      return cluster;
    }
  }
}

/**
 * ioredis listens for only the first error of a connection's socket (`once`). A failing TLS handshake can emit a
 * second one — our certificate check fails, then the server's alert arrives — which, with no listener left, would
 * be thrown as an uncaught exception and end the process. Once a socket has reported an error, later ones are
 * dropped: the connection is closing and is retried anyway.
 */
function guardSocketErrors(conn: Redis): Redis {
  conn.on('error', () => {
    const socket = conn.stream as Redis['stream'] | undefined;
    if (socket !== undefined && socket.listenerCount('error') === 0) socket.on('error', () => undefined);
  });
  return conn;
}

/**
 * ioredis can end a connection for good — e.g. a Sentinel `+switch-master` that races a reconnect leaves it in status
 * `end` with no retry scheduled. A bus must never stay down for that: reconnect after `delayMs()` unless the owner is
 * closing it.
 */
export function reconnectWhenEnded(client: RedisClient, closing: () => boolean, delayMs: () => number, clock: Pick<Clock, 'setTimeout'> = systemClock): void {
  client.on('end', () => {
    if (closing()) return;
    // the system clock's timers never hold the process open, as this wait must not
    clock.setTimeout(() => {
      if (!closing() && client.status === 'end') client.connect().catch(() => undefined); // failures are 'error' events
    }, delayMs());
  });
}
