// The `chainfan` binary as users run it: help on every command, bad input named in the error, and `chainfan dev`
// serving blocks with no Redis at all.
import { JsonWsClient } from './helpers/json-ws-client.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChainfanProcess } from './helpers/chainfan-process.js';
import { RecordingClient } from './helpers/recording-client.js';
import { waitFor } from '@chainfan/testkit';
import { CLI_ARGS } from './helpers/cli-command.js';


function chainfan(args: readonly string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [...CLI_ARGS, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('chainfan CLI', () => {
  it('prints help for the binary and for every command', () => {
    const top = chainfan(['--help']);
    expect(top.code).toBe(0);
    for (const cmd of ['dev', 'ingestor', 'edge', 'sim']) expect(top.stdout).toContain(cmd);
    for (const [cmd, variable, flag] of [
      ['dev', 'CHAINFAN_SIM_BLOCK_INTERVAL_MS', '--sim-block-interval-ms'],
      ['ingestor', 'CHAINFAN_ZMQ_ENDPOINTS', '--zmq-endpoints'],
      ['edge', 'CHAINFAN_EDGE_PORT', '--edge-port'],
      ['sim', 'CHAINFAN_SIM_TX_PER_SECOND', '--sim-tx-per-second'],
    ] as const) {
      const h = chainfan([cmd, '--help']);
      expect(h.code, `${cmd} --help`).toBe(0);
      expect(h.stdout).toContain(variable);
      expect(h.stdout).toContain(flag);
    }
  });

  it('fails with exit 78 naming every bad flag or variable', () => {
    const badFlag = chainfan(['edge', '--edge-prot', '1']);
    expect(badFlag.code).toBe(78);
    expect(badFlag.stderr).toContain('--edge-prot');

    const badEnv = chainfan(['ingestor'], { CHAINFAN_RPC_TIMEOUT_MS: 'soon', CHAINFAN_REDIS_URL: 'http://nope' });
    expect(badEnv.code).toBe(78);
    expect(badEnv.stderr).toContain('CHAINFAN_RPC_TIMEOUT_MS');
    expect(badEnv.stderr).toContain('CHAINFAN_REDIS_URL');

    const badValue = chainfan(['sim', '--sim-rpc-port', '70000']);
    expect(badValue.code).toBe(78);
    expect(badValue.stderr).toContain('CHAINFAN_SIM_RPC_PORT');

    const unknown = chainfan(['launch']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('unknown command');
  });

  it('`chainfan dev` runs the whole system without Redis and streams blocks and transactions', async () => {
    // an edge setting `chainfan dev` does not own reaches its edge: here, two subscriptions per connection
    const dev = new ChainfanProcess('dev', ['--edge-port', '0', '--edge-ops-port', '0', '--ingestor-ops-port', '0', '--sim-block-interval-ms', '1000', '--sim-tx-per-second', '20'], {
      CHAINFAN_LOG_LEVEL: 'info', REDIS_URL: '', CHAINFAN_EDGE_MAX_SUBSCRIPTIONS: '2',
    });
    try {
      const ready = await dev.waitForEvent('dev.ready');
      const url = ready['wsUrl'] as string;
      expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
      await waitFor(() => dev.lines.some((l) => typeof l['text'] === 'string' && (l['text'] as string).includes(url)), { message: 'banner prints the WebSocket URL' });
      const client = await RecordingClient.connect(url, ['blocks', 'transactions']);
      await waitFor(() => client.blockHashes().length >= 1 && client.txids().length >= 1, { timeoutMs: 15_000 });
      client.close();
      // the simulator publishes the sequence topic under dev, so evrmore-rpc's documented `sequence` stream delivers
      const seq = await RecordingClient.connect(url, ['sequence']);
      await waitFor(() => seq.messages.some((m) => m.type === 'sequence'), { timeoutMs: 15_000, message: 'a sequence message' });
      seq.close();
      // command messages are answered from the simulator; the third subscription hits the passed-through limit
      const raw = await JsonWsClient.connect(url);
      try {
        const result = await raw.request({ command: 'getblockcount', params: [] }, (f) => f['type'] === 'result');
        expect((result['data'] as { result: unknown }).result).toEqual(expect.any(Number));
        for (const topic of ['blocks', 'mempool']) await raw.request({ action: 'subscribe', topic }, (f) => f['type'] === 'subscription');
        expect(await raw.request({ action: 'subscribe', topic: 'assets' }, (f) => f['type'] === 'error')).toMatchObject({ data: { code: 1006 } });
      } finally {
        raw.close();
      }
    } finally {
      expect(await dev.stop('SIGTERM')).toBe(0);
    }
  });
});
