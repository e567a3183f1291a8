// Redis in a throwaway container via testcontainers, bound to a fixed host port so restart() keeps the URL.
import { freePort } from './free-port.js';
import type { RedisHandle, RedisPersistence } from './redis-handle.js';

const REDIS_IMAGE = 'redis:7-alpine';

export async function startContainerRedis(persistence: RedisPersistence = 'none'): Promise<RedisHandle> {
  // loaded lazily: testcontainers is heavy and most runs never need it
  const { RedisContainer } = await import('@testcontainers/redis');
  const { getContainerRuntimeClient } = await import('testcontainers');
  const port = await freePort();
  const container = await new RedisContainer(REDIS_IMAGE)
    .withCommand(['redis-server', '--save', '', ...(persistence === 'aof' ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no'])])
    .withExposedPorts({ container: 6379, host: port })
    .start();
  let stopped = false;
  return {
    url: container.getConnectionUrl(),
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await container.stop({ timeout: 0 });
    },
    async kill() {
      if (stopped) throw new Error('startRedis: kill() after stop()');
      const client = await getContainerRuntimeClient();
      await client.container.getById(container.getId()).kill({ signal: 'SIGKILL' });
    },
    async restart() {
      if (stopped) throw new Error('startRedis: restart() after stop()');
      await container.restart();
    },
    async pause() {
      const client = await getContainerRuntimeClient();
      await client.container.getById(container.getId()).pause();
    },
    async resume() {
      const client = await getContainerRuntimeClient();
      await client.container.getById(container.getId()).unpause();
    },
  };
}
