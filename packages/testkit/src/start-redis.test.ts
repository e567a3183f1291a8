import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containerRuntimeReachable } from './container-runtime.js';
import { startRedis } from './start-redis.js';

describe('startRedis', () => {
  it('honours REDIS_URL and refuses outage operations on a server it does not own', async () => {
    const h = await startRedis({ env: { REDIS_URL: 'redis://10.0.0.7:6390' } });
    expect(h.url).toBe('redis://10.0.0.7:6390');
    expect(h.port).toBe(6390);
    await expect(h.kill()).rejects.toThrow(/kill\(\) is not possible with REDIS_URL/);
    await expect(h.restart()).rejects.toThrow(/restart\(\) is not possible with REDIS_URL/);
    await expect(h.pause()).rejects.toThrow(/pause\(\) is not possible with REDIS_URL/);
    await expect(h.resume()).rejects.toThrow(/resume\(\) is not possible with REDIS_URL/);
    await expect(h.stop()).resolves.toBeUndefined();
  });

  it('defaults the port of a REDIS_URL without one', async () => {
    expect((await startRedis({ env: { REDIS_URL: 'redis://redis.internal' } })).port).toBe(6379);
  });
});

describe('containerRuntimeReachable', () => {
  const home = mkdtempSync(join(tmpdir(), 'chainfan-home-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('is true when DOCKER_HOST is set', () => {
    expect(containerRuntimeReachable({ DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toBe(true);
  });

  it('finds a rootless Docker socket under HOME', () => {
    mkdirSync(join(home, '.docker/run'), { recursive: true });
    writeFileSync(join(home, '.docker/run/docker.sock'), '');
    expect(containerRuntimeReachable({ HOME: home })).toBe(true);
  });
});
