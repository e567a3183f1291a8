// TLS with a CA file and an ACL user, end to end through the bus and a store; and what a wrong setting does.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '@chainfan/telemetry';
import { type SecuredRedisHandle, startSecuredRedis, waitFor } from '@chainfan/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collect, outgoing } from './bus.contract.js';
import { RedisBus } from './redis-bus.js';
import { redisEnv, redisTopologyFromEnv } from './redis-env.js';
import { RedisTtlCache } from './redis-ttl-cache.js';

let redis: SecuredRedisHandle;
const dir = mkdtempSync(join(tmpdir(), 'chainfan-ca-'));
beforeAll(async () => {
  redis = await startSecuredRedis();
  writeFileSync(join(dir, 'ca.pem'), redis.ca);
}, 60_000);
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

describe('Redis over TLS with an ACL user', () => {
  it('publishes, delivers and reads history with the topology the CHAINFAN_REDIS_* variables describe', async () => {
    const topology = redisTopologyFromEnv(parseEnv(redisEnv, {
      CHAINFAN_REDIS_URL: redis.url,
      CHAINFAN_REDIS_USERNAME: redis.username,
      CHAINFAN_REDIS_PASSWORD: redis.password,
      CHAINFAN_REDIS_TLS_CA_FILE: join(dir, 'ca.pem'),
    }));
    const bus = new RedisBus({ topology, keyPrefix: 'tls:' });
    open.push(bus);
    await bus.ready(10_000);
    const got = collect(bus);
    await bus.subscribe('blocks');
    const r = await bus.publish(outgoing('blocks', 1));
    await waitFor(() => got.length === 1);
    expect((await bus.history('blocks', 0, 10)).messages.map((m) => m.seq)).toEqual([r.seq]);
    const cache = new RedisTtlCache({ topology, keyPrefix: 'tls:' });
    open.push(cache);
    await cache.ready(10_000);
    await cache.set('k', 'v', 10_000);
    expect(await cache.get('k')).toBe('v');
  });

  it('stays connecting, and says why at debug level, with a wrong password or without the CA', async () => {
    for (const topology of [
      { kind: 'single' as const, url: redis.url, username: redis.username, password: 'wrong', tls: { ca: redis.ca } },
      { kind: 'single' as const, url: redis.url, username: redis.username, password: redis.password, tls: {} },
    ]) {
      const errors: string[] = [];
      const bus = new RedisBus({ topology, maxReconnectDelayMs: 50 }, {
        // only lines that carry a cause: the bus also logs its progress at debug level
        debug: (o) => {
          const cause = (o as { cause?: unknown }).cause;
          if (cause !== undefined) errors.push(String(cause));
        },
        info: () => undefined, warn: () => undefined, error: () => undefined,
      });
      open.push(bus);
      await waitFor(() => /WRONGPASS|self[- ]signed|certificate/i.test(errors.join('\n')), { timeoutMs: 5_000 });
      expect(bus.state).toBe('connecting');
      expect(errors.join('\n')).toMatch(/WRONGPASS|self[- ]signed|certificate/i);
      expect(errors.join('\n')).not.toContain(redis.password);
    }
  });
});
