// Spawns `chainfan <role>` as a real child process (the TypeScript sources through tsx) and exposes its JSON log lines, so system tests
// wait for events (`edge.listening`, `ingestor.started`) instead of sleeping.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@chainfan/testkit';
import { CLI_ARGS } from './cli-command.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface LogLine {
  readonly event?: string;
  readonly [k: string]: unknown;
}

export class ChainfanProcess {
  readonly role: string;
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  #exit: Promise<number | null>;

  constructor(role: string, args: readonly string[], env: Readonly<Record<string, string>>) {
    this.role = role;
    this.child = spawn(process.execPath, [...CLI_ARGS, role, ...args], {
      cwd: ROOT,
      env: { ...process.env, CHAINFAN_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (l) => {
      try {
        this.lines.push(JSON.parse(l) as LogLine);
      } catch {
        this.lines.push({ text: l }); // plain text (e.g. the dev banner) is kept verbatim
      }
    });
    createInterface({ input: this.child.stderr! }).on('line', (l) => this.stderr.push(l));
    this.#exit = new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  /** Resolves with the first log line whose `event` matches; fails with the process's stderr when it exits first. */
  async waitForEvent(event: string, timeoutMs = 20_000): Promise<LogLine> {
    return waitFor(() => {
      if (this.child.exitCode !== null) throw new Error(`${this.role} exited ${this.child.exitCode}: ${this.stderr.join('\n')}`);
      return this.lines.find((l) => l.event === event);
    }, { timeoutMs, message: `${this.role}: ${event}\n${this.stderr.join('\n')}` });
  }

  exited(): Promise<number | null> {
    return this.#exit;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.#exit;
  }
}
