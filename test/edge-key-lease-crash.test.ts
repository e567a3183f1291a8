// A crashed edge must not lock its clients out: two `chainfan edge` processes on one Redis share a per-key limit of
// one connection. The holder's edge is killed with SIGKILL (no drain, no release); with the default lease TTL the
// other edge admits the key again within seconds — not after the old 30 s — while a live edge's lease never lapses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisHandle, startRedis, waitFor } from '@chainfan/testkit';
import { ChainfanProcess, type LogLine } from './helpers/chainfan-process.js';
import { upgradeStatus } from '../packages/edge/src/testing/upgrade-status.js';
import { WsTestClient } from '../packages/edge/src/testing/ws-test-client.js';

const KEY = 'crash-test-key-1';

interface Edge {
  readonly proc: ChainfanProcess;
  readonly url: string;
}

async function startEdge(redisUrl: string): Promise<Edge> {
  const proc = new ChainfanProcess('edge', [], {
    CHAINFAN_REDIS_URL: redisUrl,
    CHAINFAN_EDGE_HOST: '127.0.0.1',
    CHAINFAN_EDGE_PORT: '0',
    CHAINFAN_EDGE_OPS_PORT: '0',
    CHAINFAN_EDGE_API_KEYS: KEY,
    CHAINFAN_EDGE_MAX_CONNECTIONS_PER_KEY: '1',
    // CHAINFAN_EDGE_KEY_LEASE_TTL_MS left at its default: that default is what this test is about
  });
  const ready = await waitFor<LogLine | undefined>(() => {
    if (proc.child.exitCode !== null) throw new Error(`edge exited: ${proc.stderr.join('\n')}`);
    return proc.lines.find((l) => l.event === 'edge.listening' && l['port'] !== undefined);
  }, { timeoutMs: 30_000, message: 'edge listening' });
  return { proc, url: `ws://127.0.0.1:${ready!['port'] as number}/?token=${KEY}` };
}

describe('key leases after an edge crash', () => {
  let redis: RedisHandle;
  let a: Edge;
  let b: Edge;

  beforeAll(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([startEdge(redis.url), startEdge(redis.url)]);
  });

  afterAll(async () => {
    await Promise.all([a?.proc.stop(), b?.proc.stop()]);
    await redis?.stop();
  });

  it('a SIGKILLed edge\'s leases stop blocking the key on the other edges within seconds', async () => {
    const held = await WsTestClient.connect(a.url);
    expect(await upgradeStatus(b.url)).toMatchObject({ status: 429, body: { data: { code: 1106 } } });
    await a.proc.stop('SIGKILL');
    await waitFor(() => held.closed !== undefined, { message: 'the killed edge dropped its socket' });
    // the default TTL is 6 s; the old one (30 s) would not get here before this deadline
    await waitFor(async () => (await upgradeStatus(b.url)).status === 101, { timeoutMs: 15_000, intervalMs: 250, message: 'key admitted again on the surviving edge' });
    // a live edge keeps refreshing: its lease now holds the key's only slot, for longer than a TTL
    const onB = await WsTestClient.connect(b.url);
    const until = Date.now() + 8_000;
    await waitFor(async () => {
      expect((await upgradeStatus(b.url)).status).toBe(429);
      return Date.now() > until;
    }, { timeoutMs: 20_000, intervalMs: 500 });
    expect(onB.closed).toBeUndefined();
    onB.close();
  });
});
