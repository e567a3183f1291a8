import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { redisCommand } from './redis-command.js';
import type { RedisHandle } from './redis-handle.js';
import { startRedis } from './start-redis.js';

// Pinned to the local redis-server path: this is the one that owns a process and its lifecycle.
describe('startRedis (local redis-server)', () => {
  let h: RedisHandle | undefined;
  afterAll(() => h?.stop());

  it('fails with a message naming REDIS_URL and the package to install when redis-server is missing', async () => {
    const err = await startRedis({ env: {}, containerRuntime: false, redisServerBin: '/nonexistent/redis-server' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/REDIS_URL/);
    expect((err as Error).message).toMatch(/apt-get install -y redis-server/);
    expect((err as Error).message).toMatch(/\/nonexistent\/redis-server/);
  });

  it('starts, is killed, restarts on the same port empty, and stops for good', async () => {
    h = await startRedis({ env: {}, containerRuntime: false });
    expect(h.url).toBe(`redis://127.0.0.1:${h.port}`);
    expect(h.port).not.toBe(6379);
    expect(await redisCommand(h.url, ['PING'])).toBe('PONG');
    expect(await redisCommand(h.url, ['SET', 'k', 'v'])).toBe('OK');

    await h.kill();
    await expect(redisCommand(h.url, ['PING'])).rejects.toThrow(/ECONNREFUSED/);

    await h.restart();
    expect(await redisCommand(h.url, ['GET', 'k'])).toBeNull(); // no persistence
    expect(await redisCommand(h.url, ['PING'])).toBe('PONG');

    await h.stop();
    await h.stop();
    await expect(redisCommand(h.url, ['PING'])).rejects.toThrow(/ECONNREFUSED/);
    await expect(h.restart()).rejects.toThrow(/after stop/);
  });
});

describe('startRedis (local redis-server): pause and persistence', () => {
  let h: RedisHandle | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('pause() stops answering with the connection open, resume() answers what was asked meanwhile', async () => {
    h = await startRedis({ env: {}, containerRuntime: false });
    await h.pause();
    let answered = false;
    const reply = redisCommand(h.url, ['PING']).then((r) => {
      answered = true;
      return r;
    });
    // the command is accepted by the kernel but not answered: a second round trip elsewhere proves time passed
    const other = await startRedis({ env: {}, containerRuntime: false });
    try {
      expect(await redisCommand(other.url, ['PING'])).toBe('PONG');
    } finally {
      await other.stop();
    }
    expect(answered).toBe(false);
    await h.resume();
    expect(await reply).toBe('PONG');
  });

  it("persistence 'aof' keeps acknowledged writes across kill() and restart()", async () => {
    h = await startRedis({ env: {}, containerRuntime: false, persistence: 'aof' });
    expect(await redisCommand(h.url, ['CONFIG', 'GET', 'appendfsync'])).toEqual(['appendfsync', 'everysec']);
    expect(await redisCommand(h.url, ['SET', 'k', 'v'])).toBe('OK');
    await h.kill();
    await h.restart();
    expect(await redisCommand(h.url, ['GET', 'k'])).toBe('v');
  });

  it('a paused server still stops', async () => {
    h = await startRedis({ env: {}, containerRuntime: false });
    await h.pause();
    await h.stop();
    await expect(redisCommand(h.url, ['PING'])).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('redisCommand', () => {
  let h: RedisHandle | undefined;
  afterAll(() => h?.stop());

  it('decodes integers, arrays, nested arrays and nulls, and rejects on error replies', async () => {
    h = await startRedis({ env: {}, containerRuntime: false });
    expect(await redisCommand(h.url, ['RPUSH', 'l', 'a', 'b'])).toBe(2);
    expect(await redisCommand(h.url, ['LRANGE', 'l', 0, -1])).toEqual(['a', 'b']);
    expect(await redisCommand(h.url, ['XADD', 's', '1-0', 'm', 'x\r\ny'])).toBe('1-0');
    expect(await redisCommand(h.url, ['XRANGE', 's', '-', '+'])).toEqual([['1-0', ['m', 'x\r\ny']]]);
    expect(await redisCommand(h.url, ['GET', 'missing'])).toBeNull();
    await expect(redisCommand(h.url, ['INCR', 'l'])).rejects.toThrow(/WRONGTYPE/);
  });
});
