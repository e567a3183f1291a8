// StatsRegistry on Redis: one hash of snapshots (`{<prefix>stats}`) and a sorted set of their expiries in Redis server
// time (`{<prefix>stats}:exp`), so members with skewed clocks agree. Reads prune expired members in the same script.
import { definedScript, RedisStoreConnection, type RedisStoreOptions } from './redis-store-connection.js';
import type { StatsRegistry } from './stats-registry.js';

/** KEYS: 1 hash, 2 expiry zset. ARGV: 1 member, 2 snapshot, 3 ttl ms. */
const PUT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
return 1
`;

/** KEYS: 1 hash, 2 expiry zset. Returns [member, snapshot, …] of live members. */
const LIST = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, m in ipairs(dead) do redis.call('HDEL', KEYS[1], m) end
if #dead > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end
return redis.call('HGETALL', KEYS[1])
`;


export interface RedisStatsRegistryOptions extends Omit<RedisStoreOptions, 'connectionName'> {
  /** default `cf:` (the bus prefix) */
  readonly keyPrefix?: string;
}

export class RedisStatsRegistry implements StatsRegistry {
  readonly #conn: RedisStoreConnection;
  readonly #hash: string;
  readonly #exp: string;

  constructor(opts: RedisStatsRegistryOptions) {
    this.#conn = new RedisStoreConnection({ ...opts, connectionName: 'chainfan-stats' });
    // one hash tag for both keys: the scripts touch them together, on one Cluster slot
    this.#hash = `{${opts.keyPrefix ?? 'cf:'}stats}`;
    this.#exp = `${this.#hash}:exp`;
    // defineCommand sends EVALSHA and falls back to EVAL when the script cache is empty (after a Redis restart)
    this.#conn.redis.defineCommand('cfStatsPut', { numberOfKeys: 2, lua: PUT });
    this.#conn.redis.defineCommand('cfStatsList', { numberOfKeys: 2, lua: LIST });
  }

  ready(timeoutMs = 10_000): Promise<void> {
    return this.#conn.ready(timeoutMs);
  }

  async put(member: string, snapshot: string, ttlMs: number): Promise<void> {
    await this.#conn.run('stats put', (c) => definedScript(c, 'cfStatsPut')(this.#hash, this.#exp, member, snapshot, Math.max(1, Math.ceil(ttlMs))));
  }

  async list(): Promise<ReadonlyMap<string, string>> {
    const flat = await this.#conn.run('stats list', (c) => definedScript(c, 'cfStatsList')(this.#hash, this.#exp));
    const out = new Map<string, string>();
    if (Array.isArray(flat)) for (let i = 0; i + 1 < flat.length; i += 2) out.set(String(flat[i]), String(flat[i + 1]));
    return out;
  }

  async remove(member: string): Promise<void> {
    await this.#conn.run('stats remove', async (c) => {
      await c.multi().hdel(this.#hash, member).zrem(this.#exp, member).exec();
    });
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}
