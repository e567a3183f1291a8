// Forks a TypeScript entry module of this package as a Node child process (through tsx), with an IPC channel.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ForkOptions {
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** extra node flags, e.g. --cpu-prof */
  readonly nodeFlags?: readonly string[];
  /** 'inherit' shows the child's stderr (default); 'pipe' keeps it for the caller */
  readonly stderr?: 'inherit' | 'pipe';
}

/** `entry` is relative to this directory, e.g. `./load-worker.ts`. */
export function forkTs(entry: string, o: ForkOptions = {}): ChildProcess {
  const path = fileURLToPath(new URL(entry, import.meta.url));
  return fork(path, [...(o.args ?? [])], {
    execArgv: ['--conditions=source', '--import', 'tsx', ...(o.nodeFlags ?? [])],
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'inherit', o.stderr ?? 'inherit', 'ipc'],
  });
}

/** Resolves with the first IPC message that `pick` accepts; rejects when the child exits first or after `timeoutMs`. */
export function nextMessage<M, R>(child: ChildProcess, pick: (m: M) => R | undefined, timeoutMs: number, what: string): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      const r = pick(m as M);
      if (r === undefined) return;
      cleanup();
      resolve(r);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`${what}: child exited (${code ?? signal}) before answering`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
