// Every command in the README, run as written: the quick ones to completion, the long-running ones until they answer.
// Only addresses are changed — free ports instead of the fixed ones, a Redis and a simulated node of the test's own —
// because the test must not take ports other programs on the machine may hold. A README command this test does not
// know fails it, so a new command cannot go untested.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RedisHandle, startRedis, waitFor } from '@chainfan/testkit';
import { groupMembers, stopProcessGroup } from './helpers/process-group.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

/** The shell commands of the README's ```sh blocks, one per command (continuation lines joined, comments cut). */
function readmeCommands(): string[] {
  const out: string[] = [];
  for (const m of README.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const joined = m[1]!.replace(/\\\n\s*/g, '');
    for (const line of joined.split('\n')) {
      const cmd = line.replace(/\s+#.*$/, '').trim();
      if (cmd !== '') out.push(cmd);
    }
  }
  return out;
}

/** A long-running command started through the shell exactly as written (with `env`), its output kept. */
class Running {
  readonly child: ChildProcess;
  readonly out: string[] = [];
  readonly err: string[] = [];
  constructor(cmd: string, env: Record<string, string>) {
    // detached: its own process group, so stop() ends npm and the node process it started
    this.child = spawn('sh', ['-c', cmd], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    createInterface({ input: this.child.stdout! }).on('line', (l) => this.out.push(l));
    createInterface({ input: this.child.stderr! }).on('line', (l) => this.err.push(l));
  }
  json(event: string): Record<string, unknown> | undefined {
    for (const l of this.out) {
      if (!l.startsWith('{')) continue;
      const o = JSON.parse(l) as Record<string, unknown>;
      if (o['event'] === event) return o;
    }
    return undefined;
  }
  async waitJson(event: string): Promise<Record<string, unknown>> {
    return waitFor(() => {
      if (this.child.exitCode !== null) throw new Error(`exited ${this.child.exitCode}:\n${this.out.join('\n')}\n${this.err.join('\n')}`);
      return this.json(event);
    }, { timeoutMs: 90_000, message: `${event}:\n${this.out.slice(-5).join('\n')}\n${this.err.join('\n')}` });
  }
  #stopped: Promise<void> | undefined;
  /** Ends the command and everything it started (npm, npx, the chainfan process), even when the shell is gone. */
  stop(): Promise<void> {
    this.#stopped ??= this.child.pid === undefined ? Promise.resolve() : stopProcessGroup(this.child.pid);
    return this.#stopped;
  }
}

function sh(cmd: string, env: Record<string, string>): string {
  return execFileSync('sh', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', ...env }, timeout: 300_000 });
}

const commands = readmeCommands();
const running: Running[] = [];
const stopAll = async (): Promise<void> => {
  await Promise.all(running.map((r) => r.stop()));
  for (const r of running) expect(groupMembers(r.child.pid!)).toEqual([]);
};
afterAll(stopAll);

describe('README commands', () => {
  it('are the ones this test runs', () => {
    expect(commands).toEqual([
      'npm install && npm start',
      'npm install && npm test',
      'npm run build',
      'npx chainfan tail blocks transactions',
      'npx chainfan tail --json blocks | head -1',
      'npm install @chainfan/client',
      'npm install @chainfan/react',
      'npx chainfan ingestor --redis-url redis://127.0.0.1:6379 --zmq-endpoints tcp://127.0.0.1:28332 --rpc-url http://chainfan:change-me@127.0.0.1:8819',
      'npx chainfan edge --redis-url redis://127.0.0.1:6379 --edge-port 8765',
    ]);
    // `npm install` (already done: this test runs inside an installed clone), `npm test` (this test is part of it) and
    // installing the published packages (test/pack-install.test.ts installs their tarballs) are covered elsewhere
  });

  describe('the quick start', () => {
    let dev: Running;
    let wsUrl: string;
    beforeAll(async () => {
      // `npm start` as written; the ports through the variables its flags stand for
      dev = new Running(commands[0]!.replace('npm install && ', ''), {
        CHAINFAN_EDGE_PORT: '0', CHAINFAN_EDGE_OPS_PORT: '0', CHAINFAN_INGESTOR_OPS_PORT: '0', CHAINFAN_LOG_LEVEL: 'info', CHAINFAN_SIM_BLOCK_INTERVAL_MS: '500',
      });
      running.push(dev);
      wsUrl = (await dev.waitJson('dev.ready'))['wsUrl'] as string;
      sh(commands[2]!, {}); // npm run build: the `npx chainfan` commands below run the built binary
    }, 400_000);

    it('`npm start` prints where to connect', () => {
      expect(dev.out.some((l) => l.includes(`WebSocket   ${wsUrl}`))).toBe(true);
    });

    it('`npx chainfan tail blocks transactions` prints one line per event', async () => {
      const tail = new Running(commands[3]!, { CHAINFAN_URL: wsUrl });
      running.push(tail);
      await waitFor(() => tail.out.some((l) => / block +#\d+ /.test(l)), { timeoutMs: 60_000, message: `tail:\n${tail.out.join('\n')}\n${tail.err.join('\n')}` });
      await tail.stop();
    });

    it('`npx chainfan tail --json blocks | head -1` prints one block message', () => {
      const lines = sh(commands[4]!, { CHAINFAN_URL: wsUrl }).trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'block', data: { hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    });
  });

  describe('connecting a node', () => {
    let redis: RedisHandle;
    let zmq: string;
    let rpcPort: number;
    beforeAll(async () => {
      redis = await startRedis();
      zmq = `tcp://127.0.0.1:${await freePort()}`;
      rpcPort = await freePort();
      // a simulated node with the README's evrmore.conf credentials, on free ports
      const sim = new Running('npx chainfan sim', {
        CHAINFAN_SIM_ZMQ_ENDPOINT: zmq, CHAINFAN_SIM_RPC_PORT: String(rpcPort), CHAINFAN_SIM_RPC_USER: 'chainfan', CHAINFAN_SIM_RPC_PASSWORD: 'change-me',
        CHAINFAN_SIM_BLOCK_INTERVAL_MS: '500', CHAINFAN_LOG_LEVEL: 'info',
      });
      running.push(sim);
      await sim.waitJson('sim.started');
    }, 120_000);
    afterAll(async () => {
      await stopAll(); // the ingestor and edge before their Redis: they shut down as operators stop them, not amid an outage
      await redis?.stop();
    });

    it('the ingestor and edge commands, as written, deliver blocks from the node', async () => {
      const local = (cmd: string): string => cmd
        .replace('redis://127.0.0.1:6379', redis.url)
        .replace('tcp://127.0.0.1:28332', zmq)
        .replace('127.0.0.1:8819', `127.0.0.1:${rpcPort}`)
        .replace('--edge-port 8765', '--edge-port 0');
      const ingestor = new Running(local(commands[7]!), { CHAINFAN_INGESTOR_OPS_PORT: '0', CHAINFAN_LOG_LEVEL: 'info' });
      running.push(ingestor);
      await ingestor.waitJson('ingestor.started');
      const edge = new Running(local(commands[8]!), { CHAINFAN_EDGE_OPS_PORT: '0', CHAINFAN_LOG_LEVEL: 'info' });
      running.push(edge);
      const port = (await edge.waitJson('edge.listening'))['port'] as number;
      const lines = sh('npx chainfan tail --json blocks | head -1', { CHAINFAN_URL: `ws://127.0.0.1:${port}/` }).trim().split('\n');
      expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'block' });
      expect(ingestor.out.filter((l) => l.includes('"level":40') || l.includes('"level":50'))).toEqual([]);
    });
  });
});
