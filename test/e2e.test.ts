// The whole data path as separate processes: node-sim (in the test process: real ZMQ PUB, real JSON-RPC) →
// `chainfan ingestor` → a real redis-server → two `chainfan edge` processes → WebSocket clients on each edge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { randomBytes } from 'node:crypto';
import { base58checkEncode, NETWORKS } from '@chainfan/chain';
import { RpcClient } from '@chainfan/ingestor';
import { NodeSim } from '@chainfan/node-sim';
import { type RedisHandle, startRedis, waitFor } from '@chainfan/testkit';
import { ChainfanProcess } from './helpers/chainfan-process.js';
import { RecordingClient } from './helpers/recording-client.js';

const RPC_USER = 'sim';
const RPC_PASSWORD = 'e2e-secret';
// An address no simulator wallet owns (a random hash160 under the Evrmore mainnet P2PKH prefix): only the
// transactions the test sends to it touch it.
const WATCHED = base58checkEncode(NETWORKS['evrmore-main'].pubkeyHash, randomBytes(20));

describe('node-sim → ingestor → Redis → 2 edges → clients', () => {
  let redis: RedisHandle;
  let sim: NodeSim;
  let rpcUrl: string;
  let ingestor: ChainfanProcess;
  const edges: ChainfanProcess[] = [];
  const edgeUrls: string[] = [];
  const clients: RecordingClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    sim = new NodeSim({ network: 'evrmore-main', zmqEndpoint: 'tcp://127.0.0.1:0', rpcPort: 0, rpcUser: RPC_USER, rpcPassword: RPC_PASSWORD, autoMine: false, txPerSecond: 0, seed: 42 });
    const endpoints = await sim.start();
    rpcUrl = endpoints.rpcUrl;
    const zmqEndpoint = endpoints.zmqEndpoint;
    ingestor = new ChainfanProcess('ingestor', [], {
      CHAINFAN_REDIS_URL: redis.url,
      CHAINFAN_ZMQ_ENDPOINTS: zmqEndpoint,
      CHAINFAN_RPC_URL: rpcUrl,
      CHAINFAN_RPC_USER: RPC_USER,
      CHAINFAN_RPC_PASSWORD: RPC_PASSWORD,
      CHAINFAN_INGESTOR_OPS_PORT: '0',
      CHAINFAN_MEMPOOL_INTERVAL_MS: '0',
    });
    for (let i = 0; i < 2; i++) {
      edges.push(new ChainfanProcess('edge', [], { CHAINFAN_REDIS_URL: redis.url, CHAINFAN_EDGE_PORT: '0', CHAINFAN_EDGE_OPS_PORT: '0' }));
    }
    await ingestor.waitForEvent('ingestor.started');
    for (const e of edges) edgeUrls.push(`ws://127.0.0.1:${(await e.waitForEvent('edge.listening'))['port'] as number}/`);
    for (const url of edgeUrls) {
      clients.push(await RecordingClient.connect(url, ['blocks', 'transactions']));
      clients.push(await RecordingClient.connect(url, [`address:${WATCHED}`]));
    }
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(edges.map((e) => e.stop()));
    await ingestor?.stop();
    await sim?.close();
    await redis?.stop();
  });

  it('delivers every block and transaction exactly once, in order, to clients on both edges; address topics get exactly their transactions', async () => {
    const chainClients = clients.filter((_, i) => i % 2 === 0);
    const addressClients = clients.filter((_, i) => i % 2 === 1);

    // ZMQ subscriptions propagate asynchronously ("slow joiner"): send transactions until every client has seen one.
    const warmup = new Set<string>();
    await waitFor(async () => {
      warmup.add((await sim.createTx()).txid);
      return chainClients.every((c) => c.txids().some((t) => warmup.has(t)));
    }, { timeoutMs: 20_000, intervalMs: 200, message: 'pipeline warm-up' });
    await waitFor(() => chainClients.every((c) => [...warmup].filter((t) => c.txids().includes(t)).length === chainClients[0]!.txids().filter((t) => warmup.has(t)).length));

    // Transactions that existed before the window: warm-up ones, and those of blocks the ingestor found at start
    // (a new leader adopts the node's tip and publishes it).
    const rpc = new RpcClient({ url: rpcUrl, user: RPC_USER, password: RPC_PASSWORD });
    const before = new Set(warmup);
    const blocksBefore = new Set<string>();
    for (let h = 0; h <= sim.height; h++) {
      const hash = await rpc.call<string>('getblockhash', [h]);
      blocksBefore.add(hash);
      for (const t of (await rpc.call<{ tx: string[] }>('getblock', [hash, 1])).tx) before.add(t);
    }

    // The measured window: everything the simulator produces from here on must reach every client once, in order.
    const expectedTxs: string[] = [];
    const expectedBlocks: string[] = [];
    const expectedWatched: string[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 8; i++) expectedTxs.push((await sim.createTx()).txid);
      const paid = await sim.sendTo(WATCHED, 1_000_000n + BigInt(round));
      expectedTxs.push(paid.txid);
      expectedWatched.push(paid.txid);
      const asset = await sim.issueAsset();
      expectedTxs.push(asset.txid);
      const block = await sim.mineBlock();
      for (const tx of block.txs) if (!expectedTxs.includes(tx.txid) && !before.has(tx.txid)) expectedTxs.push(tx.txid);
      expectedBlocks.push(block.header.hash);
    }

    const inWindow = (c: RecordingClient) => c.txids().filter((t) => !before.has(t));
    const blocksInWindow = (c: RecordingClient) => c.blockHashes().filter((b) => !blocksBefore.has(b));
    await waitFor(() => chainClients.every((c) => inWindow(c).length >= expectedTxs.length && blocksInWindow(c).length >= expectedBlocks.length), {
      timeoutMs: 20_000,
      message: 'all window events delivered',
    });
    await waitFor(() => addressClients.every((c) => c.txids().length >= expectedWatched.length), { timeoutMs: 10_000 });

    for (const c of chainClients) {
      expect(inWindow(c)).toEqual(expectedTxs); // exactly once and in order: equality of sequences, not sets
      expect(blocksInWindow(c)).toEqual(expectedBlocks);
      expect(new Set(c.blockHashes()).size).toBe(c.blockHashes().length);
    }
    for (const c of addressClients) {
      expect(c.txids()).toEqual(expectedWatched);
      expect(c.blockHashes()).toEqual([]);
    }
    // The block payload has the node's getblock (verbosity 1) shape, enriched over RPC.
    const lastBlock = chainClients[0]!.messages.filter((m) => m.type === 'block').at(-1)!.data as Record<string, unknown>;
    const fromNode = await rpc.call<Record<string, unknown>>('getblock', [expectedBlocks.at(-1), 1]);
    // plus what evrmore-rpc's documented Block message adds: tx_count, and nextblockhash (null at the tip)
    expect(Object.keys(lastBlock)).toEqual([...Object.keys(fromNode), ...['tx_count', 'nextblockhash', 'previousblockhash'].filter((k) => !Object.hasOwn(fromNode, k))]);
    expect(lastBlock['tx_count']).toBe((fromNode['tx'] as unknown[]).length);
    expect(lastBlock['hash']).toBe(fromNode['hash']);
    expect(lastBlock['height']).toBe(fromNode['height']);
    expect(lastBlock['chainwork']).toBe(fromNode['chainwork']);
    expect(lastBlock['tx']).toEqual(fromNode['tx']);
  });

  it('answers bad input with error frames and keeps serving everyone else', async () => {
    const url = edgeUrls[0]!;
    const bystander = clients[0]!;
    const ws = new WebSocket(url);
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d)) as Record<string, unknown>));
    await new Promise((r) => ws.once('open', r));

    const errorCodes = () => frames.filter((f) => f['type'] === 'error').map((f) => (f['data'] as { code: number }).code);
    ws.send('{not json');
    ws.send(JSON.stringify({ action: 'explode', topic: 'blocks' }));
    ws.send(JSON.stringify({ action: 'subscribe', topic: 'weather' }));
    await waitFor(() => errorCodes().length === 3);
    expect(errorCodes()).toEqual([1004, 1003, 1001]);

    // The connection survives protocol errors: a valid subscribe after them is acknowledged.
    ws.send(JSON.stringify({ action: 'subscribe', topic: 'transactions' }));
    await waitFor(() => frames.some((f) => f['type'] === 'subscription'));
    expect(frames.find((f) => f['type'] === 'subscription')).toEqual({ type: 'subscription', data: { status: 'success', topic: 'transactions', action: 'subscribe' } });

    // A frame just over the 1 MiB limit: the edge closes that socket with 1009 (far past the limit uWebSockets.js cuts
    // the connection instead, 1006; see docs/security.md)
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('x'.repeat(1024 * 1024 + 1));
    expect(await closed).toBe(1009);

    // Everyone else is still served.
    const before = bystander.txids().length;
    const tx = await sim.createTx();
    await waitFor(() => bystander.txids().includes(tx.txid), { timeoutMs: 10_000 });
    expect(bystander.txids().length).toBe(before + 1);
  });
});
