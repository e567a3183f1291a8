// TtlCache on Redis: plain strings under `<prefix>cache:<key>` with a millisecond TTL (SET … PX), so every edge of a
// cluster shares one cached answer per key.
import { RedisStoreConnection, type RedisStoreOptions } from './redis-store-connection.js';
import type { TtlCache } from './ttl-cache.js';

export interface RedisTtlCacheOptions extends Omit<RedisStoreOptions, 'connectionName'> {
  /** default `cf:` (the bus prefix) */
  readonly keyPrefix?: string;
}

export class RedisTtlCache implements TtlCache {
  readonly #conn: RedisStoreConnection;
  readonly #prefix: string;

  constructor(opts: RedisTtlCacheOptions) {
    this.#conn = new RedisStoreConnection({ ...opts, connectionName: 'chainfan-cache' });
    this.#prefix = `${opts.keyPrefix ?? 'cf:'}cache:`;
  }

  ready(timeoutMs = 10_000): Promise<void> {
    return this.#conn.ready(timeoutMs);
  }

  async get(key: string): Promise<string | undefined> {
    const v = await this.#conn.run('cache get', (c) => c.get(this.#prefix + key));
    return v ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.#conn.run('cache set', (c) => c.set(this.#prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs))));
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}
