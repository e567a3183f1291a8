import { randomUUID } from 'node:crypto';
import { type RedisHandle, startRedis } from '@chainfan/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStatsRegistryContract, describeTtlCacheContract } from './cluster-stores.contract.js';
import { RedisStatsRegistry } from './redis-stats-registry.js';
import { RedisTtlCache } from './redis-ttl-cache.js';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const prefix = `t-${randomUUID().slice(0, 8)}:`;

async function registry(keyPrefix = prefix): Promise<RedisStatsRegistry> {
  const r = new RedisStatsRegistry({ url: redis.url, keyPrefix });
  await r.ready(5_000);
  return r;
}

describeTtlCacheContract('RedisTtlCache', async () => {
  const c = new RedisTtlCache({ url: redis.url, keyPrefix: prefix });
  await c.ready(5_000);
  return c;
});
describeStatsRegistryContract('RedisStatsRegistry', () => registry());

describe('RedisStatsRegistry', () => {
  it('lets two processes (two edges) see each other', async () => {
    const own = `${prefix}pair:`;
    const [a, b] = [await registry(own), await registry(own)];
    try {
      await a.put('edge-a', '{"connections":2}', 10_000);
      await b.put('edge-b', '{"connections":5}', 10_000);
      expect([...(await a.list()).keys()].sort()).toEqual(['edge-a', 'edge-b']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('fails fast, without queueing, when Redis is unreachable', async () => {
    const r = new RedisStatsRegistry({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 200 });
    try {
      await expect(r.list()).rejects.toMatchObject({ code: 'CHAINFAN_BUS_DOWN' });
    } finally {
      await r.close();
    }
  });
});
