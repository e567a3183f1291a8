// `chainfan tail` as users run it: a spawned process against a spawned `chainfan dev`, human-readable lines and
// --json lines on stdout, a clean exit on SIGINT and when the reader of its stdout goes away (EPIPE).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@chainfan/testkit';
import { ChainfanProcess } from './helpers/chainfan-process.js';
import { CLI_ARGS } from './helpers/cli-command.js';


class Tail {
  readonly child: ChildProcess;
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly exit: Promise<number | null>;
  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [...CLI_ARGS, 'tail', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (l) => this.out.push(l));
    createInterface({ input: this.child.stderr! }).on('line', (l) => this.err.push(l));
    this.exit = new Promise((r) => this.child.once('exit', (code) => r(code)));
  }
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

describe('chainfan tail', () => {
  let dev: ChainfanProcess;
  let url: string;
  const tails: Tail[] = [];

  beforeAll(async () => {
    dev = new ChainfanProcess('dev', [
      '--edge-port', '0', '--edge-ops-port', '0', '--ingestor-ops-port', '0', '--edge-static-dir', 'off',
      '--sim-block-interval-ms', '1000', '--sim-tx-per-second', '10', '--mempool-interval-ms', '300',
    ], { REDIS_URL: '' });
    url = (await dev.waitForEvent('dev.ready', 30_000))['wsUrl'] as string;
  });

  afterAll(async () => {
    for (const t of tails) t.kill();
    await dev?.stop('SIGTERM');
  });

  it('prints one human-readable line per event, and exits 0 on SIGINT', async () => {
    const t = new Tail(['--url', url, 'blocks', 'transactions', 'mempool']);
    tails.push(t);
    const block = /^\d\d:\d\d:\d\d\.\d{3} {2}block {8}#\d+ {2}[0-9a-f]{12}…[0-9a-f]{6} {2}txs=\d+ {2}size=\d+ B/;
    const tx = /^\d\d:\d\d:\d\d\.\d{3} {2}transaction {2}[0-9a-f]{12}…[0-9a-f]{6} {2}in=\d+ out=\d+ {2}value=[\d.]+ EVR/;
    const mempool = /^\d\d:\d\d:\d\d\.\d{3} {2}mempool {6}size=\d+ tx {2}bytes=\d+ B/;
    await waitFor(() => t.out.some((l) => block.test(l)) && t.out.some((l) => tx.test(l)) && t.out.some((l) => mempool.test(l)), {
      timeoutMs: 15_000,
      message: `tail lines:\n${t.out.slice(0, 10).join('\n')}\n${t.err.join('\n')}`,
    });
    expect(t.out.every((l) => block.test(l) || tx.test(l) || mempool.test(l)), t.out.join('\n')).toBe(true);
    expect(t.err).toEqual(expect.arrayContaining([`chainfan tail: connected to ${url}`, 'chainfan tail: subscribed blocks']));
    t.child.kill('SIGINT');
    expect(await t.exit).toBe(0);
  });

  it('--json prints the server messages one JSON object per line, and exits 0 when its reader goes away', async () => {
    const t = new Tail(['--url', url, '--json', 'blocks', 'mempool']); // a bare --json before the topics
    tails.push(t);
    await waitFor(() => t.out.some((l) => l.startsWith('{"type":"block"')) && t.out.some((l) => l.startsWith('{"type":"mempool"')), {
      timeoutMs: 15_000,
      message: `tail --json lines:\n${t.out.slice(0, 5).join('\n')}\n${t.err.join('\n')}`,
    });
    const msgs = t.out.map((l) => JSON.parse(l) as { type: string; data: Record<string, unknown> });
    expect(new Set(msgs.map((m) => m.type))).toEqual(new Set(['block', 'mempool']));
    const b = msgs.find((m) => m.type === 'block')!;
    expect(b.data['hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof b.data['height']).toBe('number');
    expect(msgs.find((m) => m.type === 'mempool')!.data).toEqual(expect.objectContaining({ size: expect.any(Number), bytes: expect.any(Number) }));

    t.child.stdout!.destroy(); // like `chainfan tail --json blocks | head -1`: the next write fails with EPIPE
    expect(await t.exit).toBe(0);
  });

  it('refuses bad topics (and no topic) with exit 78, naming them', () => {
    const bad = spawnSync(process.execPath, [...CLI_ARGS, 'tail', '--url', url, 'blocks', 'nonsense', 'address:x'], { encoding: 'utf8', timeout: 30_000 });
    expect(bad.status).toBe(78);
    expect(bad.stderr).toContain('nonsense, address:x');
    const none = spawnSync(process.execPath, [...CLI_ARGS, 'tail', '--url', url], { encoding: 'utf8', timeout: 30_000 });
    expect(none.status).toBe(78);
    expect(none.stderr).toContain('at least one topic');
    const help = spawnSync(process.execPath, [...CLI_ARGS, 'tail', '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(help.stdout).toContain('--json');
  });
});
