// Redis outages and readiness: nothing queues while Redis is down, publishing resumes after it returns (even
// when it returns empty), and /readyz names what is wrong.
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBus } from '@chainfan/bus';
import { NodeSim } from '@chainfan/node-sim';
import { BUS_CHANNELS, type Envelope } from '@chainfan/protocol';
import { createLogger } from '@chainfan/telemetry';
import { type RedisHandle, startRedis, waitFor } from '@chainfan/testkit';
import { startIngestorApp } from './app.js';
import { loadIngestorConfig } from './config.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setup() {
  const redis: RedisHandle = await startRedis();
  closers.push(() => redis.stop());
  const sim = new NodeSim({ zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, autoMine: false, txPerSecond: 0, rpcUser: 'u', rpcPassword: 'p', seed: 9 });
  closers.push(() => sim.close());
  const { zmqEndpoint, rpcUrl } = await sim.start();
  const app = await startIngestorApp(
    loadIngestorConfig({
      CHAINFAN_REDIS_URL: redis.url,
      CHAINFAN_ZMQ_ENDPOINTS: zmqEndpoint,
      CHAINFAN_RPC_URL: rpcUrl,
      CHAINFAN_RPC_USER: 'u',
      CHAINFAN_RPC_PASSWORD: 'p',
      CHAINFAN_RPC_TIMEOUT_MS: '500',
      CHAINFAN_INGESTOR_OPS_PORT: '0',
      CHAINFAN_OPS_HOST: '127.0.0.1',
      CHAINFAN_MEMPOOL_INTERVAL_MS: '0',
      CHAINFAN_POLL_INTERVAL_MS: '200',
      CHAINFAN_LEASE_TTL_MS: '1000',
    }),
    createLogger({ service: 'test', level: 'silent' }),
  );
  closers.push(() => app.close());
  const readyz = async () => {
    const res = await fetch(`http://127.0.0.1:${app.opsPort}/readyz`);
    return { status: res.status, body: (await res.json()) as { checks: Record<string, boolean> } };
  };
  return { redis, sim, app, readyz };
}

async function watch(url: string): Promise<{ got: Envelope[]; bus: RedisBus }> {
  const bus = new RedisBus({ url, maxReconnectDelayMs: 100 });
  closers.push(() => bus.close());
  const got: Envelope[] = [];
  bus.onMessage((m) => got.push(m));
  await bus.ready();
  for (const ch of BUS_CHANNELS) await bus.subscribe(ch);
  return { got, bus };
}

describe('ingestor during outages', () => {
  it('reports node, bus and leadership in /readyz and recovers after Redis comes back empty', async () => {
    const { redis, sim, app, readyz } = await setup();
    await waitFor(async () => {
      const r = await readyz();
      return r.status === 200 && r.body.checks['leader'] === true;
    }, { timeoutMs: 10_000 });
    expect((await readyz()).body.checks).toMatchObject({ node: true, bus: true, leader: true });

    const before = await watch(redis.url);
    await waitFor(async () => {
      await sim.createTx();
      return before.got.some((e) => e.channel === 'txs');
    }, { timeoutMs: 10_000, intervalMs: 100 });
    const last = await sim.mineBlock();
    // published, not just taken into the window (the tip moves before Redis confirms; a failed publish moves it back)
    await waitFor(() => before.got.some((e) => e.channel === 'blocks' && (JSON.parse(e.body) as { hash: string }).hash === last.header.hash));

    await redis.kill();
    await waitFor(async () => {
      const r = await readyz();
      return r.status === 503 && r.body.checks['bus'] === false && r.body.checks['leader'] === false;
    }, { timeoutMs: 10_000, message: '/readyz reports the bus down and leadership lost' });

    // the chain moves on while Redis is gone: nothing may be lost
    const duringOutage = [await sim.createTx(), await sim.createTx()];
    const mined = [await sim.mineBlock(), await sim.mineBlock()];
    await redis.restart(); // comes back empty (no persistence): no checkpoint, no lease
    const after = await watch(redis.url);
    await waitFor(() => app.ingestor.status().leader && app.ingestor.status().tip?.hash === mined[1]!.header.hash, { timeoutMs: 20_000, message: 'leader again and caught up' });
    // Redis came back empty, so its history holds everything published since (a live subscriber can miss what is
    // published before its subscribe lands)
    const bodies = async (ch: 'blocks' | 'txs') => (await after.bus.history(ch, 0, 1_000)).messages.map((e) => JSON.parse(e.body) as { hash: string; txid: string });
    const published = async () => (await bodies('blocks')).map((b) => b.hash);
    await waitFor(async () => (await published()).length >= mined.length, { timeoutMs: 5_000, message: 'both blocks published' });
    expect(await published()).toEqual(mined.map((b) => b.header.hash));
    const txids = new Set((await bodies('txs')).map((t) => t.txid));
    for (const t of duringOutage) expect(txids.has(t.txid)).toBe(true);
    await waitFor(async () => (await readyz()).status === 200, { timeoutMs: 10_000, message: '/readyz healthy again' });
  });

  it('reports the node unreachable', async () => {
    const { sim, readyz } = await setup();
    await waitFor(async () => (await readyz()).status === 200, { timeoutMs: 10_000 });
    await sim.close();
    await waitFor(async () => {
      const r = await readyz();
      return r.status === 503 && r.body.checks['node'] === false;
    }, { timeoutMs: 10_000, message: '/readyz reports the node down' });
  });
});
