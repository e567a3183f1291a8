// LeaseStore on Redis: one sorted set per key (`<prefix>kl:<key>`), members = holders, scores = expiry in Redis
// server time (ms), so edges with skewed clocks agree. Expired members are pruned on every acquire; the set itself
// expires with its longest lease, so keys of vanished clients leave nothing behind.
import type { LeaseStore } from './lease-store.js';
import { definedScript, RedisStoreConnection, type RedisStoreOptions } from './redis-store-connection.js';

/** KEYS[1] set. ARGV: 1 holder, 2 limit, 3 ttl ms. Returns 1 when taken or extended, 0 when full. */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`;

/** KEYS[1] set. ARGV: 1 ttl ms, 2.. holders. */
const REFRESH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + ttl, ARGV[i]) end
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`;

/** KEYS[1] set. Live members. */
const COUNT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
`;


export interface RedisLeaseStoreOptions extends Omit<RedisStoreOptions, 'connectionName'> {
  /** default `cf:` (the bus prefix) */
  readonly keyPrefix?: string;
}

export class RedisLeaseStore implements LeaseStore {
  readonly #conn: RedisStoreConnection;
  readonly #prefix: string;

  constructor(opts: RedisLeaseStoreOptions) {
    this.#conn = new RedisStoreConnection({ ...opts, connectionName: 'chainfan-leases' });
    this.#prefix = `${opts.keyPrefix ?? 'cf:'}kl:`;
    // defineCommand sends EVALSHA and falls back to EVAL when the script cache is empty (after a Redis restart)
    this.#conn.redis.defineCommand('cfLeaseAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    this.#conn.redis.defineCommand('cfLeaseRefresh', { numberOfKeys: 1, lua: REFRESH });
    this.#conn.redis.defineCommand('cfLeaseCount', { numberOfKeys: 1, lua: COUNT });
  }

  ready(timeoutMs = 10_000): Promise<void> {
    return this.#conn.ready(timeoutMs);
  }

  async acquire(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean> {
    const r = await this.#conn.run('lease acquire', (c) => definedScript(c, 'cfLeaseAcquire')(this.#prefix + key, holder, limit, Math.ceil(ttlMs)));
    return r === 1;
  }

  async refresh(holders: ReadonlyMap<string, readonly string[]>, ttlMs: number): Promise<void> {
    if (holders.size === 0) return;
    // one call per key rather than a pipeline: on a Cluster the keys live on different slots
    await this.#conn.run('lease refresh', async (c) => {
      const refresh = definedScript(c, 'cfLeaseRefresh');
      await Promise.all([...holders].filter(([, hs]) => hs.length > 0).map(([key, hs]) => refresh(this.#prefix + key, Math.ceil(ttlMs), ...hs)));
    });
  }

  async release(key: string, holder: string): Promise<void> {
    await this.#conn.run('lease release', (c) => c.zrem(this.#prefix + key, holder));
  }

  async count(key: string): Promise<number> {
    return Number(await this.#conn.run('lease count', (c) => definedScript(c, 'cfLeaseCount')(this.#prefix + key)));
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}
