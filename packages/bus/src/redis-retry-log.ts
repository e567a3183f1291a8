// How a bus connection reports a Redis it cannot reach: one warn line per retry, naming the server (password masked),
// the cause and the next try; the individual errors stay at debug. An expected network error carries no stack.
import { rootCause } from '@chainfan/protocol';
import type { BusLogger } from './bus-logger.js';
import type { RedisClient } from './redis-clients.js';

export interface RetryLogOptions {
  readonly role: 'pub' | 'sub';
  /** the server(s), already without credentials */
  readonly target: string;
  readonly log: BusLogger;
  /** every connection error, e.g. kept as the cause of the next 'down' */
  readonly onError: (err: Error) => void;
  /** true while another connection to the same servers already reports */
  readonly quiet: () => boolean;
}

export function logConnectionRetries(conn: RedisClient, o: RetryLogOptions): void {
  const { role, target, log } = o;
  // Every failed attempt emits 'error', then 'reconnecting' with the delay ioredis chose.
  let lastError: Error | undefined;
  let attempt = 0;
  conn.on('error', (err: Error) => {
    o.onError(err);
    lastError = err;
    log.debug({ event: 'bus.redis_error', role, redis: target, cause: rootCause(err) }, 'redis connection error');
  });
  conn.on('ready', () => {
    attempt = 0;
  });
  conn.on('reconnecting', (delayMs: unknown) => {
    attempt++;
    if (o.quiet()) return;
    const cause = lastError === undefined ? 'connection closed' : rootCause(lastError);
    lastError = undefined;
    const retryInMs = typeof delayMs === 'number' ? delayMs : undefined;
    log.warn(
      { event: 'bus.redis_unreachable', role, redis: target, cause, attempt, retryInMs },
      `Redis (${target}) unreachable (${cause}); retrying${retryInMs === undefined ? '' : ` in ${retryInMs} ms`}`,
    );
  });
}
