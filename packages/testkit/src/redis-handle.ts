// What a test gets back from startRedis(): where Redis listens and how to take it down and bring it back.
export interface RedisHandle {
  /** redis://host:port, ready to accept connections when startRedis() resolves */
  readonly url: string;
  readonly port: number;
  /** Graceful shutdown and cleanup; idempotent. */
  stop(): Promise<void>;
  /** SIGKILL: an abrupt outage, connections drop without a goodbye. restart() brings it back. */
  kill(): Promise<void>;
  /**
   * Back on the same port, resolved once it accepts connections: empty without persistence, with what its append-only
   * file holds when started with `persistence: 'aof'`.
   */
  restart(): Promise<void>;
  /** SIGSTOP: the server hangs with its connections open (a stalled host, a long fork); resume() continues it. */
  pause(): Promise<void>;
  /** SIGCONT after pause(); keys whose TTL ran out meanwhile expire at once. */
  resume(): Promise<void>;
}

/**
 * What survives a kill: nothing (the default), or an append-only file fsynced once a second (`appendonly yes`,
 * `appendfsync everysec`), as a production Redis that must come back with its data runs.
 */
export type RedisPersistence = 'none' | 'aof';
