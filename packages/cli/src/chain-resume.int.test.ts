// Chain-anchored resume through real parts: redis-server, the node simulator (ZMQ + RPC), an ingestor and an edge
// (with node RPC), raw WebSocket clients on the native protocol and the SDK. A client resuming from a block gets every
// block after it exactly once — from history, re-read from the node past history or across an epoch change, after a
// reorg event when its block left the chain — and then the live stream with no gap and no duplicate.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type EdgeApp, loadEdgeEnv, startEdgeApp } from '@chainfan/edge';
import { type IngestorApp, loadIngestorConfig, startIngestorApp } from '@chainfan/ingestor';
import { NodeSim } from '@chainfan/node-sim';
import { createLogger } from '@chainfan/telemetry';
import { type RedisHandle, startRedis, waitFor } from '@chainfan/testkit';
import { ChainfanClient, type ChainfanMessage, type ResyncInfo } from '@chainfan/client/node';

const log = createLogger({ service: 'test', level: 'silent' });
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
});

interface Stack {
  readonly redis: RedisHandle;
  readonly sim: NodeSim;
  readonly edge: EdgeApp;
  readonly ingestor: IngestorApp;
  /** the node's active chain, height → hash */
  chain(): Promise<Map<number, string>>;
  tip(): Promise<{ height: number; hash: string }>;
  metric(name: string, labels: string): Promise<number>;
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('u:p').toString('base64')}` },
    body: JSON.stringify({ jsonrpc: '1.0', id: 1, method, params }),
  });
  return ((await res.json()) as { result: unknown }).result;
}

async function stack(): Promise<Stack> {
  const redis = await startRedis();
  closers.push(() => redis.stop());
  const sim = new NodeSim({ zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, autoMine: false, txPerSecond: 0, rpcUser: 'u', rpcPassword: 'p', seed: 13 });
  closers.push(() => sim.close());
  const { zmqEndpoint, rpcUrl } = await sim.start();
  const common = { CHAINFAN_REDIS_URL: redis.url, CHAINFAN_RPC_URL: rpcUrl, CHAINFAN_RPC_USER: 'u', CHAINFAN_RPC_PASSWORD: 'p', CHAINFAN_OPS_HOST: '127.0.0.1', CHAINFAN_HISTORY_MAX_LEN: '100' };
  const ingestor = await startIngestorApp(loadIngestorConfig({
    ...common, CHAINFAN_ZMQ_ENDPOINTS: zmqEndpoint, CHAINFAN_RPC_TIMEOUT_MS: '2000', CHAINFAN_INGESTOR_OPS_PORT: '0', CHAINFAN_MEMPOOL_INTERVAL_MS: '0',
    CHAINFAN_POLL_INTERVAL_MS: '200', CHAINFAN_LEASE_TTL_MS: '1000',
  }), log);
  closers.push(() => ingestor.close());
  const edge = await startEdgeApp(loadEdgeEnv({
    ...common, CHAINFAN_BUS: 'redis', CHAINFAN_EDGE_HOST: '127.0.0.1', CHAINFAN_EDGE_PORT: '0', CHAINFAN_EDGE_OPS_PORT: '0', CHAINFAN_EDGE_RECENT_MESSAGES: '64',
    CHAINFAN_EDGE_DRAIN_TIMEOUT_MS: '100', CHAINFAN_EDGE_CHAIN_RESUME_MAX_BLOCKS: '200',
  }), log);
  closers.push(() => edge.close());
  const s: Stack = {
    redis, sim, edge, ingestor,
    async tip() {
      const height = (await rpc(rpcUrl, 'getblockcount')) as number;
      return { height, hash: (await rpc(rpcUrl, 'getblockhash', [height])) as string };
    },
    async chain() {
      const { height } = await s.tip();
      const out = new Map<number, string>();
      for (let h = 0; h <= height; h++) out.set(h, (await rpc(rpcUrl, 'getblockhash', [h])) as string);
      return out;
    },
    async metric(name, labels) {
      const text = await (await fetch(`http://127.0.0.1:${edge.opsPort}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
      return line === undefined ? 0 : Number(line.split(' ').at(-1));
    },
  };
  return s;
}

interface Frame {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly source?: string;
  readonly seq?: number;
  readonly id?: unknown;
}

/** A raw native-protocol socket recording every frame. */
async function socket(s: Stack): Promise<{ frames: Frame[]; send(o: unknown): void; blocks(): { height: number; hash: string }[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${s.edge.port}/chainfan`);
  closers.push(async () => ws.terminate());
  const frames: Frame[] = [];
  ws.on('message', (d: Buffer) => frames.push(JSON.parse(d.toString()) as Frame));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    frames,
    send: (o) => ws.send(JSON.stringify(o)),
    blocks: () => frames.filter((f) => f.type === 'block').map((f) => ({ height: f.data['height'] as number, hash: f.data['hash'] as string })),
  };
}

const acked = (frames: readonly Frame[], id: number): boolean => frames.some((f) => f.type === 'subscription' && f.id === id);

/** Mines one block and waits until a live `blocks` subscriber of the edge has it. */
async function mineSeen(s: Stack, watcher: { blocks(): { hash: string }[] }): Promise<{ height: number; hash: string }> {
  const b = await s.sim.mineBlock();
  await waitFor(() => watcher.blocks().some((x) => x.hash === b.header.hash), { timeoutMs: 30_000, message: `block ${b.header.hash} delivered` });
  return s.tip();
}

/** Every block after `from` on the node's chain, up to its tip, in order. */
function expected(chain: Map<number, string>, from: number): { height: number; hash: string }[] {
  return [...chain].filter(([h]) => h > from).map(([height, hash]) => ({ height, hash }));
}

// generous: a shared 2-core machine under load runs the node, ingestor and edge slowly (no speed is asserted here)
describe('resume from a block (height, hash)', { timeout: 120_000 }, () => {
  it('from a block still in history: the blocks after it, then live, each once', async () => {
    const s = await stack();
    const watcher = await socket(s);
    watcher.send({ action: 'subscribe', topic: 'blocks', id: 1 });
    await waitFor(() => acked(watcher.frames, 1), { timeoutMs: 30_000 });
    const anchor = await mineSeen(s, watcher);
    for (let i = 0; i < 3; i++) await mineSeen(s, watcher);

    const c = await socket(s);
    c.send({ action: 'subscribe', topic: 'blocks', since: { height: anchor.height, hash: anchor.hash }, id: 2 });
    await waitFor(() => acked(c.frames, 2), { timeoutMs: 30_000 });
    expect(c.blocks()).toEqual(expected(await s.chain(), anchor.height));
    expect(c.frames.filter((f) => f.type === 'block').every((f) => f.source === undefined && typeof f.seq === 'number')).toBe(true); // from the stream
    const live = await mineSeen(s, watcher);
    await waitFor(() => c.blocks().some((b) => b.hash === live.hash), { timeoutMs: 30_000 });
    expect(c.blocks()).toEqual(expected(await s.chain(), anchor.height));
    expect(await s.metric('chainfan_edge_chain_resume_total', 'outcome="history"')).toBe(1);
  });

  it('from a block older than history: re-read from the node, handed over to the stream by hash, then live', async () => {
    const s = await stack();
    const watcher = await socket(s);
    watcher.send({ action: 'subscribe', topic: 'all', id: 1 });
    await waitFor(() => acked(watcher.frames, 1), { timeoutMs: 30_000 });
    const anchor = await mineSeen(s, watcher);
    await s.sim.burst(105); // past CHAINFAN_HISTORY_MAX_LEN (100) and the edge's ring (64)
    const tip = await s.tip();
    await waitFor(() => watcher.blocks().some((b) => b.hash === tip.hash), { timeoutMs: 60_000, message: 'the burst published' });

    const c = await socket(s);
    c.send({ action: 'subscribe', topic: 'all', since: { blocks: { height: anchor.height, hash: anchor.hash }, txs: 'now' }, id: 2 });
    await waitFor(() => acked(c.frames, 2), { timeoutMs: 60_000, message: 'the resume acknowledged' });
    const fromNode = c.frames.filter((f) => f.type === 'block' && f.source === 'node');
    expect(fromNode.length).toBeGreaterThan(0);
    expect((fromNode[0]!.data['tx'] as unknown[]).length).toBeGreaterThan(0); // the block's transactions, as the block carries them
    const live = await mineSeen(s, watcher);
    await waitFor(() => c.blocks().some((b) => b.hash === live.hash), { timeoutMs: 30_000 });
    expect(c.blocks()).toEqual(expected(await s.chain(), anchor.height));
    expect(await s.metric('chainfan_edge_chain_resume_total', 'outcome="node"')).toBe(1);
  });

  it('from a block that was reorged out: the reorg event first, then the new chain from the fork point', async () => {
    const s = await stack();
    const watcher = await socket(s);
    watcher.send({ action: 'subscribe', topic: 'blocks', id: 1 });
    await waitFor(() => acked(watcher.frames, 1), { timeoutMs: 30_000 });
    for (let i = 0; i < 3; i++) await mineSeen(s, watcher);
    const stale = await s.tip();
    const r = await s.sim.reorg(2, { newLength: 3 });
    const newTip = r.connected.at(-1)!.header.hash;
    await waitFor(() => watcher.blocks().some((b) => b.hash === newTip), { timeoutMs: 30_000 });

    const c = await socket(s);
    c.send({ action: 'subscribe', topic: 'blocks', since: { height: stale.height, hash: stale.hash }, id: 2 });
    await waitFor(() => acked(c.frames, 2), { timeoutMs: 30_000 });
    const events = c.frames.filter((f) => f.type === 'block' || f.type === 'reorg');
    expect(events[0]!.type).toBe('reorg');
    const reorg = events[0]!.data as { fork_height: number; disconnected: string[]; connected: string[]; depth: number };
    expect(reorg.fork_height).toBe(stale.height - 2);
    expect(reorg.disconnected).toEqual(r.disconnected.map((b) => b.header.hash));
    expect(reorg.depth).toBe(2);
    expect(reorg.connected).toEqual(r.connected.map((b) => b.header.hash));
    expect(c.blocks()).toEqual(expected(await s.chain(), reorg.fork_height));
    const live = await mineSeen(s, watcher);
    await waitFor(() => c.blocks().some((b) => b.hash === live.hash), { timeoutMs: 30_000 });
    expect(c.blocks()).toEqual(expected(await s.chain(), reorg.fork_height));
    expect(await s.metric('chainfan_edge_chain_resume_total', 'outcome="reorg"')).toBe(1);
  });

  it('the SDK delivers every block exactly once across a Redis restart that lost everything (no resync for blocks)', async () => {
    const s = await stack();
    const sdk = new ChainfanClient({ url: `ws://127.0.0.1:${s.edge.port}/chainfan`, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
    closers.push(() => sdk.close());
    const got: { height: number; hash: string }[] = [];
    const resyncs: ResyncInfo[] = [];
    sdk.on('resync', (r) => resyncs.push(r));
    sdk.on('message', (m: ChainfanMessage) => {
      if (m.type === 'block') got.push({ height: m.data.height, hash: m.data.hash });
    });
    await sdk.subscribe('blocks');
    const seen = { blocks: () => got };
    for (let i = 0; i < 3; i++) await mineSeen(s, seen);
    const start = got[0]!.height - 1; // from the first block the SDK delivered on

    await s.redis.restart(); // empty: every channel starts a new epoch
    for (let i = 0; i < 4; i++) await s.sim.mineBlock(); // mined while the bus is lost or starting over
    const tip = await s.tip();
    await waitFor(() => got.some((b) => b.hash === tip.hash), { timeoutMs: 60_000, message: 'the SDK reached the node tip' });
    const live = await s.sim.mineBlock();
    await waitFor(() => got.some((b) => b.hash === live.header.hash), { timeoutMs: 30_000 });
    expect(got).toEqual(expected(await s.chain(), start));
    expect(resyncs.filter((r) => r.channel === 'blocks')).toEqual([]);
    expect(sdk.lastBlock).toEqual(got.at(-1));
    // the repair went through a resume from the last block, not through luck
    const resumed = await s.metric('chainfan_edge_chain_resume_total', 'outcome="node"') + await s.metric('chainfan_edge_chain_resume_total', 'outcome="history"');
    expect(resumed).toBeGreaterThanOrEqual(1);
    expect(await s.metric('chainfan_edge_chain_resume_total', 'outcome="resync"')).toBe(0);
  });

  it('refuses hostile block positions with 1010 and stays usable', async () => {
    const s = await stack();
    const c = await socket(s);
    const hash = 'ab'.repeat(32);
    const bad: unknown[] = [
      { height: -1, hash }, { height: 1.5, hash }, { height: 1, hash: 'xyz' }, { height: 1, hash: hash.toUpperCase().slice(2) }, { height: 1, hash, seq: 2 },
      { height: '1', hash }, { blocks: { height: 1 } }, { height: 2 ** 40, hash }, { __proto__: { height: 1, hash } , hash: 7 },
    ];
    bad.forEach((since, i) => c.send({ action: 'subscribe', topic: 'blocks', since, id: 10 + i }));
    c.send({ action: 'subscribe', topic: 'transactions', since: { height: 1, hash }, id: 30 });
    await waitFor(() => c.frames.filter((f) => f.type === 'error').length === bad.length + 1, { timeoutMs: 30_000 });
    expect(c.frames.filter((f) => f.type === 'error').every((f) => f.data['code'] === 1010)).toBe(true);
    // an unknown block (valid shape): an explicit notice, not silence, and the subscription lives on
    c.send({ action: 'subscribe', topic: 'blocks', since: { height: 1, hash }, id: 40 });
    await waitFor(() => acked(c.frames, 40), { timeoutMs: 30_000 });
    expect(c.frames.find((f) => f.type === 'resync')?.data).toMatchObject({ topic: 'blocks', channel: 'blocks', reason: 'block_unknown', subscribed: true });
    expect(await s.metric('chainfan_edge_chain_resume_total', 'outcome="resync"')).toBe(1);
    expect(await s.metric('chainfan_edge_recoveries_total', 'outcome="not_recovered"')).toBe(1); // never counted as recovered
  });
});
