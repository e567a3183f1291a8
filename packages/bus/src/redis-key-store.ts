// KeyStore on a Redis set (SADD <set> <key> or its sha256 hex): one SMISMEMBER per lookup checks both spellings.
import { apiKeyHash, type KeyStore } from './key-store.js';
import { RedisStoreConnection, type RedisStoreOptions } from './redis-store-connection.js';

export interface RedisKeyStoreOptions extends Omit<RedisStoreOptions, 'connectionName'> {
  /** the Redis set holding the keys (plain, or as sha256 hex — hashes are the better practice) */
  readonly setKey: string;
}

export class RedisKeyStore implements KeyStore {
  readonly #conn: RedisStoreConnection;
  readonly #setKey: string;

  constructor(opts: RedisKeyStoreOptions) {
    this.#conn = new RedisStoreConnection({ ...opts, connectionName: 'chainfan-keys' });
    this.#setKey = opts.setKey;
  }

  ready(timeoutMs = 10_000): Promise<void> {
    return this.#conn.ready(timeoutMs);
  }

  async has(key: string): Promise<boolean> {
    const r = await this.#conn.run('api key lookup', (c) => c.smismember(this.#setKey, key, apiKeyHash(key)));
    return r.some((x) => x === 1);
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}
