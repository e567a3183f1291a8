// Redis for integration tests: REDIS_URL if given, else a container when a runtime is reachable, else a
// local redis-server child process. Never the machine's own Redis on 6379.
import { containerRuntimeReachable } from './container-runtime.js';
import { startContainerRedis } from './container-redis.js';
import { startLocalRedis } from './local-redis.js';
import type { RedisHandle, RedisPersistence } from './redis-handle.js';

export interface StartRedisOptions {
  /** where REDIS_URL and the container-runtime hints are read; process.env by default */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** the redis-server binary; resolved through PATH by default */
  readonly redisServerBin?: string;
  /** overrides the container-runtime detection (tests of this module pin it) */
  readonly containerRuntime?: boolean;
  /** 'aof': appendonly yes, appendfsync everysec, so restart() after kill() comes back with (almost) all data */
  readonly persistence?: RedisPersistence;
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisHandle> {
  const env = opts.env ?? process.env;
  const external = env['REDIS_URL'];
  if (external !== undefined && external !== '') return externalRedis(external);

  const failures: string[] = [];
  if (opts.containerRuntime ?? containerRuntimeReachable(env)) {
    try {
      return await startContainerRedis(opts.persistence);
    } catch (err) {
      failures.push(`testcontainers: ${errorText(err)}`); // fall through to a local redis-server
    }
  }
  try {
    return await startLocalRedis(opts.redisServerBin, opts.persistence);
  } catch (err) {
    failures.push(`redis-server: ${errorText(err)}`);
    throw new Error(
      `startRedis: no Redis for tests (${failures.join('; ')}). ` +
        'Set REDIS_URL=redis://host:port to use an existing server, or install one: apt-get install -y redis-server',
      { cause: err },
    );
  }
}

/**
 * A server we do not own: stop() only forgets it (so afterAll hooks stay uniform), while kill(), restart(), pause()
 * and resume() reject, because outage tests cannot run against it.
 */
function externalRedis(url: string): RedisHandle {
  const u = new URL(url);
  const refuse = (what: string) => () =>
    Promise.reject(new Error(`startRedis: ${what}() is not possible with REDIS_URL=${url}; unset REDIS_URL to let tests spawn their own redis-server`));
  return {
    url,
    port: Number(u.port || 6379),
    stop: () => Promise.resolve(),
    kill: refuse('kill'),
    restart: refuse('restart'),
    pause: refuse('pause'),
    resume: refuse('resume'),
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
