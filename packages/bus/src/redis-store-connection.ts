// One Redis client (single, Sentinel or Cluster) for the small cluster-wide stores (API-key set, connection leases): fail-fast while
// disconnected (no offline queue, nothing replayed after a reconnect), a deadline on every command.
import { backoffMs, ChainfanError, type Clock, systemClock } from '@chainfan/protocol';
import { withDeadline } from './deadline.js';
import { createRedisClient, reconnectWhenEnded, type RedisClient } from './redis-clients.js';
import { type RedisTopology, singleRedis } from './redis-topology.js';

export interface RedisStoreOptions {
  /** a single Redis by URL; ignored when `topology` is given */
  readonly url?: string;
  /** single, Sentinel or Cluster; one of `url` and `topology` is required */
  readonly topology?: RedisTopology;
  /** default 2,000: these calls sit on the connection-admission path */
  readonly commandTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** shows up in CLIENT LIST */
  readonly connectionName: string;
  /** times the reconnect wait and the command deadlines; the system clock unless given */
  readonly clock?: Pick<Clock, 'setTimeout'>;
}

export class RedisStoreConnection {
  readonly redis: RedisClient;
  readonly #timeoutMs: number;
  readonly #clock: Pick<Clock, 'setTimeout'>;
  #closing: Promise<void> | undefined;

  constructor(opts: RedisStoreOptions) {
    this.#timeoutMs = opts.commandTimeoutMs ?? 2_000;
    this.#clock = opts.clock ?? systemClock;
    const topology = opts.topology ?? (opts.url !== undefined ? singleRedis(opts.url) : undefined);
    if (topology === undefined) throw new RangeError(`${opts.connectionName}: needs a url or a topology`);
    this.redis = createRedisClient(topology, {
      connectionName: opts.connectionName,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
      retryDelayMs: (attempt: number) => Math.round(backoffMs(attempt - 1, Math.random, { initialDelayMs: 50, maxDelayMs: 2_000, factor: 2 })),
    });
    reconnectWhenEnded(this.redis, () => this.#closing !== undefined, () => 200, this.#clock);
    // reconnect attempts emit one each; callers see failures as rejected calls, which they count
    this.redis.on('error', () => undefined);
  }

  /** Resolves once connected; rejects with CHAINFAN_TIMEOUT after `timeoutMs` (it keeps retrying). */
  async ready(timeoutMs: number): Promise<void> {
    if (this.redis.status === 'ready') return;
    await withDeadline(new Promise<void>((resolve) => this.redis.once('ready', () => resolve())), timeoutMs, 'CHAINFAN_TIMEOUT', 'redis store connect', this.#clock);
  }

  /** Runs one command with the deadline; any failure becomes CHAINFAN_BUS_DOWN (or the deadline's CHAINFAN_TIMEOUT). */
  async run<T>(what: string, call: (r: RedisClient) => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) throw new ChainfanError('CHAINFAN_BUS_CLOSED', `${what}: store closed`);
    if (this.redis.status !== 'ready') throw new ChainfanError('CHAINFAN_BUS_DOWN', `${what}: redis is ${this.redis.status}; nothing is queued`);
    try {
      return await withDeadline(call(this.redis), this.#timeoutMs, 'CHAINFAN_TIMEOUT', what, this.#clock);
    } catch (err) {
      if (err instanceof ChainfanError) throw err;
      throw new ChainfanError('CHAINFAN_BUS_DOWN', `${what} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await withDeadline(this.redis.quit(), 2_000, 'CHAINFAN_TIMEOUT', 'quit', this.#clock).catch(() => undefined); // forced below anyway
      this.redis.disconnect();
    })();
    return this.#closing;
  }
}

/** A Lua script defined with `defineCommand` on a connection or pipeline, called by its name. */
export type DefinedScript = (...args: (string | number)[]) => Promise<unknown>;

/** `target[name]`, a script the store defined in its constructor, bound to `target` (a connection or a pipeline). */
export function definedScript(target: object, name: string): DefinedScript {
  const fn = (target as Record<string, unknown>)[name];
  if (typeof fn !== 'function') throw new Error(`script ${name} not defined`); // a bug: defined in the constructor
  return (fn as DefinedScript).bind(target);
}
