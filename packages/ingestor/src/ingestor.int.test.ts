// The ingestor against a real node simulator (ZMQ PUB + JSON-RPC over HTTP) publishing into a MemoryBus.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { NETWORKS } from '@chainfan/chain';
import { NodeSim } from '@chainfan/node-sim';
import type { Envelope } from '@chainfan/protocol';
import { createIngestorMetrics, createLogger, createRegistry } from '@chainfan/telemetry';
import { waitFor } from '@chainfan/testkit';
import { Ingestor } from './ingestor.js';
import { RpcClient } from './rpc/rpc-client.js';
import { ZmqChainSource } from './source/zmq-chain-source.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setup() {
  const sim = new NodeSim({ zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, autoMine: false, txPerSecond: 0, rpcUser: 'u', rpcPassword: 'p', seed: 5 });
  closers.push(() => sim.close());
  const { zmqEndpoint, rpcUrl } = await sim.start();
  const bus = new MemoryBus();
  closers.push(() => bus.close());
  const got: Envelope[] = [];
  bus.onMessage((m) => got.push(m));
  for (const ch of ['blocks', 'txs', 'assets', 'mempool'] as const) await bus.subscribe(ch);
  const registry = createRegistry({ defaultMetrics: false });
  const metrics = createIngestorMetrics(registry);
  const rpc = new RpcClient({ url: rpcUrl, user: 'u', password: 'p' });
  const ingestor = new Ingestor({
    source: new ZmqChainSource({ endpoints: [zmqEndpoint] }),
    rpc,
    bus,
    network: NETWORKS['evrmore-main'],
    log: createLogger({ service: 'test', level: 'silent' }),
    metrics,
    mempoolIntervalMs: 0,
    pollIntervalMs: 0,
  });
  closers.push(() => ingestor.close());
  await ingestor.start();
  // ZMQ subscriptions propagate asynchronously: send until one arrives, then measure from a clean slate.
  // Warm-up transactions are excluded from what the tests look at.
  const txidOf = (e: Envelope) => (JSON.parse(e.body) as { txid?: string }).txid;
  const warmup = new Set<string>();
  await waitFor(async () => {
    warmup.add((await sim.createTx()).txid);
    return got.some((e) => e.channel === 'txs' && warmup.has(txidOf(e)!));
  }, { timeoutMs: 10_000, intervalMs: 100 });
  await ingestor.idle(); // the new leader's start-up sync (adopting the node tip) is done
  const cutoff = got.length;
  const fresh = () => got.slice(cutoff).filter((e) => e.channel === 'blocks' || !warmup.has(txidOf(e)!));
  return { sim, bus, got: { fresh }, ingestor, metrics, rpc, registry };
}

describe('Ingestor over real ZMQ and RPC', () => {
  it('publishes each transaction once (mempool first, coinbase from the block) and the block enriched over RPC', async () => {
    const { sim, got, ingestor, metrics, rpc } = await setup();
    const created = [await sim.createTx(), await sim.createTx(), await sim.issueAsset()];
    const block = await sim.mineBlock();
    await waitFor(() => got.fresh().some((e) => e.channel === 'blocks' && e.body.includes(block.header.hash)), { timeoutMs: 10_000 });
    await ingestor.idle();
    const events = got.fresh().filter((e) => e.channel !== 'blocks' || e.body.includes(block.header.hash));

    const txids = events.filter((e) => e.channel === 'txs').map((e) => (JSON.parse(e.body) as { txid: string }).txid);
    const coinbase = block.txs[0]!.txid;
    expect(txids).toEqual([...created.map((t) => t.txid), coinbase]);
    // every mined tx was announced again by the node; none was republished as new
    expect((await metrics.duplicates.get()).values[0]!.value).toBeGreaterThanOrEqual(created.length);

    const seqs = events.filter((e) => e.channel === 'txs').map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));

    const blockEnv = events.find((e) => e.channel === 'blocks')!;
    const fromNode = await rpc.call<Record<string, unknown>>('getblock', [block.header.hash, 1]);
    expect(JSON.parse(blockEnv.body)).toEqual(fromNode);
    expect(blockEnv.kind).toBe('block');

    const assetEvents = events.filter((e) => e.channel === 'assets').map((e) => JSON.parse(e.body) as { txid: string; type: string });
    const issued = assetEvents.filter((a) => a.txid === created[2]!.txid);
    expect(new Set(issued.map((a) => a.type))).toEqual(new Set(['new', 'owner'])); // the new asset and its owner token
    expect(assetEvents.every((a) => created.some((t) => t.txid === a.txid))).toBe(true);
    expect(ingestor.status()).toMatchObject({ nodeReachable: true, busUp: true, tip: { height: block.header.height, hash: block.header.hash } });
  });

  it('counts gaps in a ZMQ topic counter', async () => {
    const { sim, ingestor, metrics } = await setup();
    const before = (await metrics.zmqGaps.get()).values.reduce((n, v) => n + v.value, 0);
    await sim.createTx();
    await ingestor.idle();
    const after = (await metrics.zmqGaps.get()).values.reduce((n, v) => n + v.value, 0);
    expect(after).toBe(before); // a healthy stream has no gaps
  });
});

describe('RpcClient', () => {
  it('refuses bad credentials without retrying and reports RPC errors with their code', async () => {
    const sim = new NodeSim({ zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, autoMine: false, txPerSecond: 0, rpcUser: 'u', rpcPassword: 'p' });
    closers.push(() => sim.close());
    const { rpcUrl } = await sim.start();
    await expect(new RpcClient({ url: rpcUrl, user: 'u', password: 'wrong' }).call('getblockcount')).rejects.toMatchObject({ code: 'CHAINFAN_RPC_FAILED' });
    const ok = new RpcClient({ url: rpcUrl, user: 'u', password: 'p' });
    expect(typeof (await ok.call('getblockcount'))).toBe('number');
    await expect(ok.call('getblock', ['00'.repeat(32), 1])).rejects.toMatchObject({ code: 'CHAINFAN_RPC_FAILED', rpcCode: -5 });
    const [count, best] = await ok.batch([{ method: 'getblockcount' }, { method: 'getbestblockhash' }]);
    expect(best).toBe(await ok.call('getblockhash', [count]));
  });

  it('gives up on an unreachable node after its retries with a typed error', async () => {
    const outcomes: string[] = [];
    const c = new RpcClient({ url: 'http://127.0.0.1:9/', retries: 2, backoff: { initialDelayMs: 1, maxDelayMs: 2, factor: 2 }, onCall: (_m, o) => outcomes.push(o) });
    await expect(c.call('getblockcount')).rejects.toMatchObject({ code: 'CHAINFAN_RPC_FAILED' });
    expect(outcomes).toEqual(['unreachable', 'unreachable', 'unreachable']);
  });
});
