// What someone trying chainfan for the first time sees when something is missing: an unreachable Redis or node is
// reported once per retry at the default log level (URL without credentials, cause, next try, no stack trace),
// /readyz tells the truth, a busy port and a mistyped flag end with exit 78 and a message saying what to change.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RedisHandle, startRedis, waitFor } from '@chainfan/testkit';
import { ChainfanProcess, type LogLine } from './helpers/chainfan-process.js';
import { CLI_ARGS } from './helpers/cli-command.js';

function chainfan(args: readonly string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [...CLI_ARGS, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const WARN = 40;
const warnings = (p: ChainfanProcess, event: string): LogLine[] => p.lines.filter((l) => l.event === event && l['level'] === WARN);
const everything = (p: ChainfanProcess): string => JSON.stringify(p.lines) + p.stderr.join('\n');

async function readyz(port: number): Promise<{ status: number; body: { ready: boolean; checks: Record<string, boolean> } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; checks: Record<string, boolean> } };
}

describe('an unreachable dependency', () => {
  const procs: ChainfanProcess[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  });

  it('edge: Redis down is one warn line per retry, with the masked URL and the cause', async () => {
    const port = await freePort();
    // CHAINFAN_LOG_LEVEL empty: the default level, as a newcomer runs it
    const edge = new ChainfanProcess('edge', [], {
      CHAINFAN_LOG_LEVEL: '', CHAINFAN_REDIS_URL: `redis://default:hunter2@127.0.0.1:${port}`,
      CHAINFAN_EDGE_HOST: '127.0.0.1', CHAINFAN_EDGE_PORT: '0', CHAINFAN_EDGE_OPS_PORT: '0', CHAINFAN_OPS_HOST: '127.0.0.1',
    });
    procs.push(edge);
    await waitFor(() => warnings(edge, 'bus.redis_unreachable').length >= 3, { timeoutMs: 30_000, message: `edge lines:\n${everything(edge)}` });
    for (const w of warnings(edge, 'bus.redis_unreachable')) {
      expect(w['redis']).toBe(`single redis://default:***@127.0.0.1:${port}`);
      expect(w['cause']).toMatch(/ECONNREFUSED/);
      expect(w['retryInMs']).toEqual(expect.any(Number));
      expect(w['msg']).toMatch(/^Redis \(single redis:\/\/default:\*\*\*@127\.0\.0\.1:\d+\) unreachable \(.*ECONNREFUSED.*\); retrying in \d+ ms$/);
    }
    expect(everything(edge)).not.toContain('hunter2');
    expect(everything(edge)).not.toMatch(/"stack"|\n\s+at /);
  });

  describe('ingestor without a node', () => {
    let redis: RedisHandle;
    let ingestor: ChainfanProcess;
    let opsPort: number;
    beforeAll(async () => {
      redis = await startRedis();
      opsPort = await freePort();
      const rpcPort = await freePort();
      ingestor = new ChainfanProcess('ingestor', [], {
        CHAINFAN_LOG_LEVEL: '', CHAINFAN_REDIS_URL: redis.url, CHAINFAN_RPC_URL: `http://rpcuser:s3cret@127.0.0.1:${rpcPort}`,
        CHAINFAN_ZMQ_ENDPOINTS: `tcp://127.0.0.1:${await freePort()}`, CHAINFAN_INGESTOR_OPS_PORT: String(opsPort), CHAINFAN_OPS_HOST: '127.0.0.1',
        CHAINFAN_POLL_INTERVAL_MS: '200', CHAINFAN_NETWORK_INTERVAL_MS: '100', CHAINFAN_MEMPOOL_INTERVAL_MS: '100', CHAINFAN_PEERS_INTERVAL_MS: '100',
        CHAINFAN_RPC_TIMEOUT_MS: '500',
      });
      procs.push(ingestor);
    });
    afterAll(async () => {
      await ingestor?.stop('SIGKILL');
      await redis?.stop();
    });

    it('reports the node once per retry, backing off, with the URL, the cause and no stack trace', async () => {
      await waitFor(() => warnings(ingestor, 'node.unreachable').length >= 3, { timeoutMs: 60_000, message: `ingestor lines:\n${everything(ingestor)}` });
      const ws = warnings(ingestor, 'node.unreachable');
      for (const w of ws) {
        expect(w['url']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/); // credentials never reach the log
        expect(w['cause']).toMatch(/ECONNREFUSED/);
        expect(w['msg']).toMatch(/^node RPC at http:\/\/127\.0\.0\.1:\d+\/ unreachable \(.*\); retrying in \d+ s$/);
      }
      const delays = ws.map((w) => w['retryInMs'] as number);
      expect(delays.slice(0, 3)).toEqual([200, 400, 800]); // backoff: each retry waits twice as long
      expect(ws.map((w) => w['attempt'])).toEqual(ws.map((_, i) => i + 1));
      // the network, mempool and peer polls fail for the same reason many times a second: they stay below warn
      expect(ingestor.lines.filter((l) => (l['level'] as number) >= WARN && l.event !== 'node.unreachable').map((l) => l.event)).toEqual([]);
      expect(everything(ingestor)).not.toContain('s3cret');
      expect(everything(ingestor)).not.toMatch(/"stack"|\n\s+at /);
    });

    it('/readyz says not ready, and no check claims ZMQ works', async () => {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${opsPort}/readyz`).then(() => true, () => false)), { timeoutMs: 30_000, message: 'ops port up' });
      const r = await readyz(opsPort);
      expect(r.status).toBe(503);
      expect(r.body.ready).toBe(false);
      expect(r.body.checks).toEqual(expect.objectContaining({ node: false, zmq: false, bus: true }));
    });
  });
});

describe('a busy port', () => {
  let busy: Server;
  let port: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '0.0.0.0', () => r()));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => busy.close(() => r())));

  it('ends with exit 78 naming the variable, for the WebSocket port and for the ops port', () => {
    const ws = chainfan(['dev', '--edge-port', String(port), '--edge-ops-port', '0', '--ingestor-ops-port', '0', '--edge-static-dir', 'off']);
    expect(ws.code, ws.stderr).toBe(78);
    expect(ws.stderr).toContain(`CHAINFAN_EDGE_PORT: cannot listen on 127.0.0.1:${port}`);
    expect(ws.stderr).toContain('choose another port with CHAINFAN_EDGE_PORT (--edge-port)');
    expect(ws.stderr).not.toMatch(/\n\s+at /);

    const ops = chainfan(['dev', '--edge-port', '0', '--edge-ops-port', String(port), '--ingestor-ops-port', '0', '--edge-static-dir', 'off']);
    expect(ops.code, ops.stderr).toBe(78);
    expect(ops.stderr).toContain(`CHAINFAN_EDGE_OPS_PORT: port ${port} is already in use`);
    expect(ops.stderr).not.toMatch(/\n\s+at /);
  });
});

it('a mistyped flag ends with exit 78 and the nearest flag', () => {
  const r = chainfan(['edge', '--redis-ulr', 'redis://127.0.0.1:1']);
  expect(r.code).toBe(78);
  expect(r.stderr).toContain('unknown option: --redis-ulr (did you mean --redis-url?)');
});
