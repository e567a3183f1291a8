// Runs `chainfan edge` — the real binary, as deployed — as a child process and waits for its `edge.listening` line.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CLI_MAIN = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface EdgeProcess {
  readonly pid: number;
  readonly port: number;
  readonly child: ChildProcess;
  /** SIGTERM (drain, then exit), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface EdgeProcessOptions {
  readonly redisUrl: string;
  /** 0: any free port. Several edges given the same port share it through SO_REUSEPORT. */
  readonly port: number;
  /** extra CHAINFAN_* variables (limits, batching) */
  readonly env?: Readonly<Record<string, string>>;
  readonly nodeFlags?: readonly string[];
  readonly startTimeoutMs?: number;
}

export function startEdgeProcess(o: EdgeProcessOptions): Promise<EdgeProcess> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', ...(o.nodeFlags ?? []), CLI_MAIN, 'edge'], {
    cwd: ROOT,
    env: {
      ...process.env,
      CHAINFAN_EDGE_HOST: '127.0.0.1',
      CHAINFAN_EDGE_PORT: String(o.port),
      CHAINFAN_EDGE_OPS_PORT: '0',
      CHAINFAN_OPS_HOST: '127.0.0.1',
      CHAINFAN_REDIS_URL: o.redisUrl,
      CHAINFAN_LOG_LEVEL: 'info',
      CHAINFAN_EDGE_DRAIN_TIMEOUT_MS: '1000',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => {
    if (stderr.length < 50) stderr.push(l);
  });
  const stop = async (graceMs = 5_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  };
  return new Promise<EdgeProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chainfan edge did not log edge.listening within ${o.startTimeoutMs ?? 30_000} ms\n${stderr.join('\n')}`));
    }, o.startTimeoutMs ?? 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`chainfan edge exited ${code}\n${stderr.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let rec: { event?: unknown; port?: unknown };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        return; // not a log record (nothing else is printed, but a stray line must not kill the bench)
      }
      if (rec.event === 'edge.listening' && typeof rec.port === 'number') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ pid: child.pid!, port: rec.port, child, stop });
      }
    });
  });
}
