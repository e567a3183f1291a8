// A redis-server child process on a free loopback port, in its own temp dir, with persistence off unless asked for.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import type { RedisHandle, RedisPersistence } from './redis-handle.js';

const READY_LINE = 'Ready to accept connections';
const SENTINEL_READY_LINE = 'Sentinel ID is';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 3;

export type LocalRedisFailure = 'not-found' | 'port-in-use' | 'exited' | 'timeout';

export class LocalRedisError extends Error {
  override readonly name = 'LocalRedisError';
  constructor(readonly reason: LocalRedisFailure, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

// A test process that dies without stop() must not leave redis-servers behind.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

const AOF_EVERYSEC = ['--appendonly', 'yes', '--appendfsync', 'everysec'];

export async function startLocalRedis(bin = 'redis-server', persistence: RedisPersistence = 'none'): Promise<RedisHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'chainfan-redis-'));
  const extra = persistence === 'aof' ? AOF_EVERYSEC : [];
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await spawnRedis(bin, port, dir, extra);
    } catch (err) {
      // freePort() can race with another process grabbing the port; any other failure is final
      if (err instanceof LocalRedisError && err.reason === 'port-in-use' && attempt < PORT_ATTEMPTS) continue;
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  let stopped = false;
  let paused = false;
  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill(signal);
    if (paused) c.kill('SIGCONT'); // a stopped process acts on SIGTERM only once continued
    paused = false;
    const timer = setTimeout(() => c.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      if (stopped) throw new Error('startRedis: kill() after stop()');
      await terminate('SIGKILL');
    },
    async restart() {
      if (stopped) throw new Error('startRedis: restart() after stop()');
      await terminate('SIGTERM');
      child = await spawnRedis(bin, port, dir, extra);
    },
    async pause() {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) throw new Error('startRedis: pause() while not running');
      if (!child.kill('SIGSTOP')) throw new Error('startRedis: SIGSTOP was not delivered');
      paused = true;
    },
    async resume() {
      if (!paused || child === undefined) return;
      child.kill('SIGCONT');
      paused = false;
    },
  };
}

/**
 * A redis-server (or, with a config file and `--sentinel` in `leading`, a sentinel) on `port`, resolved once it
 * accepts connections. `extra` options go after the defaults, so they win.
 */
export function spawnRedis(bin: string, port: number, dir: string, extra: readonly string[] = [], leading: readonly string[] = []): Promise<ChildProcess> {
  const args = [...leading, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let output = ''; // tail only, for the failure message
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err: LocalRedisError | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.off('data', onOutput);
      child.stderr?.off('data', onOutput);
      // keep draining: a full pipe would block redis-server's logging and then the server itself
      child.stdout?.resume();
      child.stderr?.resume();
      if (err === undefined) return resolve(child);
      child.kill('SIGKILL');
      reject(err);
    };
    const onOutput = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-8_192);
      if (output.includes(READY_LINE) || output.includes(SENTINEL_READY_LINE)) settle(undefined);
      else if (output.includes('Address already in use')) settle(new LocalRedisError('port-in-use', `port ${port} is taken`));
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    child.on('error', (err: NodeJS.ErrnoException) => {
      const reason = err.code === 'ENOENT' ? 'not-found' : 'exited';
      settle(new LocalRedisError(reason, `cannot run ${bin}: ${err.message}`, { cause: err }));
    });
    child.once('exit', (code, signal) => {
      settle(new LocalRedisError('exited', `${bin} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
    const timer = setTimeout(
      () => settle(new LocalRedisError('timeout', `${bin} not ready after ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS,
    );
  });
}
