// What a test gets back from startRedis(): where Redis listens and how to take it down and bring it back.
export interface RedisHandle {
  /** redis://host:port, ready to accept connections when startRedis() resolves */
  readonly url: string;
  readonly port: number;
  /** Graceful shutdown and cleanup; idempotent. */
  stop(): Promise<void>;
  /** SIGKILL: an abrupt outage, connections drop without a goodbye. restart() brings it back. */
  kill(): Promise<void>;
  /** Back on the same port, empty (no persistence), resolved once it accepts connections. */
  restart(): Promise<void>;
}
