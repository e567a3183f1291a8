import { randomUUID } from 'node:crypto';
import { type RedisHandle, redisCommand, startRedis } from '@chainfan/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHash } from './key-store.js';
import { RedisKeyStore } from './redis-key-store.js';
import { RedisLeaseStore } from './redis-lease-store.js';
import { describeKeyStoreContract, describeLeaseStoreContract } from './stores.contract.js';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const prefix = `t-${randomUUID().slice(0, 8)}:`;

async function leases(): Promise<RedisLeaseStore> {
  const s = new RedisLeaseStore({ url: redis.url, keyPrefix: prefix });
  await s.ready(5_000);
  return s;
}

describeLeaseStoreContract('RedisLeaseStore', leases);
describeKeyStoreContract('RedisKeyStore', async (keys) => {
  const setKey = `${prefix}keys:${randomUUID().slice(0, 8)}`;
  await redisCommand(redis.url, ['SADD', setKey, ...keys]);
  const s = new RedisKeyStore({ url: redis.url, setKey });
  await s.ready(5_000);
  return s;
});

describe('Redis stores', () => {
  it('share lease slots between two stores (two edges) and keep one sorted set per key', async () => {
    const [a, b] = [await leases(), await leases()];
    try {
      expect(await a.acquire('shared', 'edge-a:1', 2, 10_000)).toBe(true);
      expect(await b.acquire('shared', 'edge-b:1', 2, 10_000)).toBe(true);
      expect(await b.acquire('shared', 'edge-b:2', 2, 10_000)).toBe(false);
      expect(await redisCommand(redis.url, ['ZCARD', `${prefix}kl:shared`])).toBe(2);
      expect(Number(await redisCommand(redis.url, ['PTTL', `${prefix}kl:shared`]))).toBeGreaterThan(5_000);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('finds keys stored as their sha256 hex', async () => {
    const setKey = `${prefix}hashed`;
    await redisCommand(redis.url, ['SADD', setKey, apiKeyHash('only-the-hash-is-stored')]);
    const s = new RedisKeyStore({ url: redis.url, setKey });
    await s.ready(5_000);
    try {
      expect(await s.has('only-the-hash-is-stored')).toBe(true);
      expect(await s.has('something-else')).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('fails fast (CHAINFAN_BUS_DOWN) while Redis is unreachable, and works again after it is back', async () => {
    const own = await startRedis();
    const s = new RedisKeyStore({ url: own.url, setKey: 'k' });
    await s.ready(5_000);
    try {
      await own.kill();
      await expect(s.has('x')).rejects.toMatchObject({ code: expect.stringMatching(/CHAINFAN_BUS_DOWN|CHAINFAN_TIMEOUT/) });
      await own.restart();
      await s.ready(5_000);
      expect(await s.has('x')).toBe(false);
    } finally {
      await s.close();
      await own.stop();
    }
  });
});
