import { afterEach, describe, expect, it } from 'vitest';
import {
  NETWORKS, bytesToHex, classifyScript, decodeBlock, decodeSequenceBody, decodeTx, merkleRoot,
} from '@chainfan/chain';
import { waitFor } from '@chainfan/testkit';
import type { NodeSim } from './node-sim.js';
import type { NodeSimOptions } from './options.js';
import type { Cancel, Clock } from './clock.js';
import { startSim as startTestSim, subscribe as subscribeTo, type Closables } from './sim-test-harness.js';

const NET = NETWORKS['evrmore-main'];

const open: Closables = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

const startSim = (over: NodeSimOptions = {}) => startTestSim(open, over);
const subscribe = (sim: NodeSim, endpoint: string, topics: readonly string[]) => subscribeTo(open, sim, endpoint, topics);

describe('NodeSim over real ZMQ and HTTP', () => {
  it('publishes in node order with 3 frames and per-topic LE counters from 0', async () => {
    const { sim, endpoints, rpc } = await startSim();
    const got = await subscribe(sim, endpoints.zmqEndpoint, ['hashblock', 'hashtx', 'rawblock', 'rawtx']);
    const created = [await sim.createTx(), await sim.createTx(), await sim.createTx()];
    const block = await sim.mineBlock();
    await waitFor(() => got.length === 3 * 2 + 4 * 2 + 2);

    expect(got.every((m) => m.frames === 3)).toBe(true);
    expect(got.map((m) => m.topic)).toEqual([
      ...Array<string[]>(3).fill(['hashtx', 'rawtx']).flat(),
      ...Array<string[]>(4).fill(['hashtx', 'rawtx']).flat(),
      'hashblock', 'rawblock',
    ]);
    for (const topic of ['hashtx', 'rawtx', 'hashblock', 'rawblock']) {
      const seqs = got.filter((m) => m.topic === topic).map((m) => m.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i));
    }
    expect(sim.zmqCounters()).toEqual({ hashtx: 7, rawtx: 7, hashblock: 1, rawblock: 1 });

    // every rawtx decodes to the txid its hashtx announced (display order), mempool entries first, then the block's
    const hashes = got.filter((m) => m.topic === 'hashtx').map((m) => bytesToHex(m.body));
    const raws = got.filter((m) => m.topic === 'rawtx').map((m) => decodeTx(m.body));
    expect(raws.map((r) => (r.ok ? r.value.txid : r.error))).toEqual(hashes);
    expect(hashes).toEqual([...created.map((t) => t.txid), ...block.txs.map((t) => t.txid)]);

    const hashblock = bytesToHex(got.find((m) => m.topic === 'hashblock')!.body);
    const rawblock = decodeBlock(got.find((m) => m.topic === 'rawblock')!.body, NET);
    expect(rawblock.ok).toBe(true);
    if (!rawblock.ok) return;
    expect(rawblock.value.header.hash).toBe(hashblock);
    expect(rawblock.value.header.merkleRoot).toBe(merkleRoot(rawblock.value.txs.map((t) => t.txid)));
    expect(await rpc('getbestblockhash')).toBe(hashblock);
    expect(await rpc('getblockcount')).toBe(1);
  });

  it('adds the sequence topic when asked: A with the mempool sequence, C per block', async () => {
    const { sim, endpoints } = await startSim({ zmqSequence: true });
    const got = await subscribe(sim, endpoints.zmqEndpoint, ['sequence']);
    const a = await sim.createTx();
    const b = await sim.createTx();
    const block = await sim.mineBlock();
    await waitFor(() => got.length === 3);
    const bodies = got.map((m) => decodeSequenceBody(m.body)).map((d) => (d.ok ? d.value : d.error));
    expect(bodies).toEqual([
      { hash: a.txid, label: 'A', mempoolSequence: 1n }, // Core's mempool sequence starts at 1
      { hash: b.txid, label: 'A', mempoolSequence: 2n },
      { hash: block.header.hash, label: 'C' },
    ]);
    expect(got.map((m) => m.seq)).toEqual([0, 1, 2]);
  });

  it('answers getblock 0/1/2 with the raw block and Evrmore key order, and getblockheader', async () => {
    const { sim, rpc } = await startSim();
    await sim.createTx();
    const b1 = await sim.mineBlock();
    await sim.mineBlock();
    const hash = b1.header.hash;
    expect(await rpc('getblock', hash, 0)).toBe(bytesToHex(b1.raw));
    const v1 = await rpc<Record<string, unknown>>('getblock', hash);
    expect(Object.keys(v1)).toEqual([
      'hash', 'confirmations', 'strippedsize', 'size', 'weight', 'height', 'version', 'versionHex', 'merkleroot', 'tx', 'time',
      'mediantime', 'nonce', 'bits', 'difficulty', 'chainwork', 'headerhash', 'mixhash', 'nonce64', 'previousblockhash', 'nextblockhash',
    ]);
    expect(v1).toMatchObject({ hash, confirmations: 2, height: 1, version: 0x30000000, versionHex: '30000000', nonce: 0, bits: '1b260d0b' });
    expect(v1.tx).toEqual(b1.txs.map((t) => t.txid));
    expect(v1.chainwork).toMatch(/^[0-9a-f]{64}$/);
    expect(BigInt(v1.nonce64 as number)).toBe(b1.header.nonce64); // exact through JSON
    const v2 = await rpc<{ tx: Array<{ txid: string }> }>('getblock', hash, 2);
    expect(v2.tx[1]!.txid).toBe(b1.txs[1]!.txid);
    expect(await rpc('getblock', hash, true)).toEqual(v1);
    expect(await rpc('getblockheader', hash, false)).toBe(bytesToHex(b1.raw.subarray(0, 120)));
    expect(await rpc('getblockheader', hash)).toMatchObject({ hash, height: 1, nextblockhash: sim.chain.store.atHeight(2)!.hash });
    expect(await rpc('getblockhash', 1)).toBe(hash);
  });

  it('reports confirmations for mined txs and none for mempool txs', async () => {
    const { sim, rpc } = await startSim();
    const mined = await sim.createTx();
    const block = await sim.mineBlock();
    const pending = await sim.createTx();
    await sim.mineBlock();
    await sim.mineBlock();
    const verbose = await rpc('getrawtransaction', mined.txid, true);
    expect(verbose).toMatchObject({ txid: mined.txid, blockhash: block.header.hash, height: 1, confirmations: 3, time: block.header.time, blocktime: block.header.time });
    expect(await rpc('getrawtransaction', mined.txid, 0)).toBe(bytesToHex(mined.raw));
    expect(await rpc('getrawtransaction', pending.txid, 1)).toMatchObject({ confirmations: 2 });
    const inPool = await sim.createTx();
    const pooled = await rpc<{ txid: string }>('getrawtransaction', inPool.txid, true);
    expect(pooled.txid).toBe(inPool.txid);
    expect(pooled).not.toHaveProperty('confirmations');
    expect(await rpc('getrawmempool')).toEqual([inPool.txid]);
    const verboseMempool = await rpc<Record<string, unknown>>('getrawmempool', true);
    expect(verboseMempool[inPool.txid]).toMatchObject({ size: inPool.vsize, height: 3, wtxid: inPool.wtxid, ancestorcount: 1 });
    expect(await rpc('getmempoolinfo')).toMatchObject({ size: 1, bytes: inPool.vsize });
  });

  it('rejects bad credentials with 401, serves batches, and answers errors as bitcoind does', async () => {
    const { rpc, rpcRaw } = await startSim();
    expect((await rpcRaw({ method: 'getblockcount', id: 1 }, `Basic ${Buffer.from('u:wrong').toString('base64')}`)).status).toBe(401);

    const batch = await rpcRaw([
      { jsonrpc: '2.0', id: 1, method: 'getblockcount', params: [] },
      { jsonrpc: '2.0', id: 2, method: 'getblock', params: ['00'.repeat(32)] },
      { jsonrpc: '2.0', id: 3, method: 'nosuchmethod' },
    ]);
    expect(batch.status).toBe(200);
    expect(await batch.json()).toEqual([
      { result: 0, error: null, id: 1 },
      { result: null, error: { code: -5, message: 'Block not found' }, id: 2 },
      { result: null, error: { code: -32601, message: 'Method not found' }, id: 3 },
    ]);

    const notFound = await rpcRaw({ id: 9, method: 'getblock', params: ['ab'.repeat(32)] });
    expect(notFound.status).toBe(500);
    expect(await notFound.json()).toEqual({ result: null, error: { code: -5, message: 'Block not found' }, id: 9 });
    await expect(rpc('getblockhash', 5)).rejects.toMatchObject({ rpc: { code: -8, message: 'Block height out of range' } });
    await expect(rpc('getblock', 'xyz')).rejects.toMatchObject({ rpc: { code: -8 } });
    await expect(rpc('getrawtransaction', '11'.repeat(32))).rejects.toMatchObject({ rpc: { code: -5 } });
    const unknown = await rpcRaw({ id: 1, method: 'nosuchmethod' });
    expect(unknown.status).toBe(404);
    // named parameters map onto the positional ones
    const named = await rpcRaw({ id: 1, method: 'getblockhash', params: { height: 0 } });
    expect((await named.json()).result).toBe(await rpc('getbestblockhash'));
  });

  it('answers the node status methods', async () => {
    const { sim, rpc } = await startSim({ initialBlocks: 3, peers: 2 });
    await sim.createTx();
    expect(sim.height).toBe(3);
    const info = await rpc<{ chainwork: string; difficulty: number }>('getblockchaininfo');
    expect(info).toMatchObject({ chain: 'main', blocks: 3, headers: 3, bestblockhash: sim.chain.tip().hash, pruned: false });
    expect(info.chainwork).toMatch(/^[0-9a-f]{64}$/);
    expect(await rpc('getdifficulty')).toBe(info.difficulty);
    expect(await rpc('getnetworkinfo')).toMatchObject({ subversion: '/Evrmore:1.0.5/', connections: 2 });
    expect(await rpc('getpeerinfo')).toHaveLength(2);
    expect(await rpc('getmininginfo')).toMatchObject({ blocks: 3, pooledtx: 1, chain: 'main' });
    expect(await rpc('uptime')).toBeGreaterThanOrEqual(0);
    // getnettotals grows with the chain: a mined block's bytes came in and went out to the other peer
    type Totals = { totalbytesrecv: number; totalbytessent: number; timemillis: number };
    const before = await rpc<Totals>('getnettotals');
    const peers = await rpc<{ bytesrecv: number; bytessent: number }[]>('getpeerinfo');
    expect(before.totalbytesrecv).toBeGreaterThan(peers.reduce((a, p) => a + p.bytesrecv, 0));
    const pooled = (await rpc<{ bytes: number; size: number }>('getmempoolinfo'));
    const block = await sim.mineBlock();
    const after = await rpc<Totals>('getnettotals');
    expect(block.txs).toHaveLength(1 + pooled.size);
    expect(after.totalbytesrecv - before.totalbytesrecv).toBe(block.raw.length - pooled.bytes); // its txs left the mempool
    expect(after.totalbytessent).toBeGreaterThan(before.totalbytessent);
    expect(after.timemillis).toBeGreaterThanOrEqual(before.timemillis);
  });

  it('creates txs touching a given address on demand (sendTo, issueAsset, transferAsset)', async () => {
    const { sim, endpoints } = await startSim();
    const got = await subscribe(sim, endpoints.zmqEndpoint, ['rawtx']);
    const target = sim.addresses()[2]!;
    const paid = await sim.sendTo(target, 150_000_000n);
    const issued = await sim.issueAsset('CHAINFAN_SIM', { to: target });
    const moved = await sim.transferAsset('CHAINFAN_SIM', sim.addresses()[6]!, 10n * 100_000_000n);
    await waitFor(() => got.length === 3);
    const decoded = got.map((m) => decodeTx(m.body)).map((d) => (d.ok ? d.value : undefined));
    expect(decoded.map((t) => t?.txid)).toEqual([paid.txid, issued.txid, moved.txid]);
    const outs = (i: number) => decoded[i]!.outputs.map((o) => classifyScript(o.script, NET));
    expect(outs(0).some((o) => o.addresses?.[0] === target)).toBe(true);
    expect(outs(1).filter((o) => o.asset !== undefined && o.addresses?.[0] === target).map((o) => o.asset?.name)).toEqual(['CHAINFAN_SIM!', 'CHAINFAN_SIM']);
    expect(outs(2).find((o) => o.type === 'transfer_asset')).toMatchObject({ addresses: [sim.addresses()[6]], asset: { name: 'CHAINFAN_SIM' } });
    await expect(sim.transferAsset('NOSUCHASSET')).rejects.toMatchObject({ code: 'CHAINFAN_LIMIT_EXCEEDED' });
  });

  it('runs its timers on the injected clock and stops them on close (idempotent)', async () => {
    const timers: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
    let now = 1_750_000_000_000;
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn, ms): Cancel => {
        const t = { fn, ms, cancelled: false };
        timers.push(t);
        return () => { t.cancelled = true; };
      },
    };
    const { sim } = await startSim({ clock, autoMine: true, blockIntervalMs: 60_000, txPerSecond: 5 });
    const fire = (ms: number) => {
      const t = timers.find((x) => !x.cancelled && x.ms === ms && (x.cancelled = true));
      now += ms;
      t!.fn();
    };
    expect(timers.map((t) => t.ms)).toContain(60_000);
    const txTimer = timers.find((t) => t.ms !== 60_000)!;
    fire(txTimer.ms);
    await waitFor(() => sim.chain.mempool.size === 1);
    fire(60_000);
    await waitFor(() => sim.height === 1);
    expect(sim.chain.tip().block.txs).toHaveLength(2);
    await waitFor(() => timers.filter((t) => !t.cancelled).length === 2); // both re-armed after their step
    await sim.close();
    await sim.close();
    expect(timers.every((t) => t.cancelled)).toBe(true);
    await expect(sim.mineBlock()).rejects.toMatchObject({ code: 'CHAINFAN_BUS_CLOSED' });
  });

  it('reorgs: disconnected txs, new blocks\' txs, re-accepted txs, then hashblock for the new tip only', async () => {
    const { sim, endpoints, rpc } = await startSim({ zmqSequence: true });
    await sim.mineBlock();
    const confirmed = await sim.createTx();
    const stale = await sim.mineBlock();
    const got = await subscribe(sim, endpoints.zmqEndpoint, ['hashtx', 'hashblock', 'sequence']);
    const r = await sim.reorg(1, { keepTxs: false });
    const [b1, b2] = r.connected;
    await waitFor(() => got.length === 10);
    const view = got.map((m) => (m.topic === 'sequence' ? `seq:${String.fromCharCode(m.body[32]!)}` : `${m.topic}:${bytesToHex(m.body)}`));
    expect(view).toEqual([
      `hashtx:${stale.txs[0]!.txid}`, `hashtx:${confirmed.txid}`, 'seq:D', // BlockDisconnected, coinbase included
      `hashtx:${b1!.txs[0]!.txid}`, 'seq:C', `hashtx:${b2!.txs[0]!.txid}`, 'seq:C', // BlockConnected, twice
      `hashtx:${confirmed.txid}`, 'seq:A', // re-accepted to the mempool
      `hashblock:${b2!.header.hash}`, // UpdatedBlockTip: the new tip only
    ]);
    expect(await rpc('getbestblockhash')).toBe(b2!.header.hash);
    expect(await rpc('getblock', stale.header.hash)).toMatchObject({ confirmations: -1, height: 2 });
    expect(await rpc('getrawmempool')).toEqual([confirmed.txid]);
    expect(await rpc('getrawtransaction', stale.txs[0]!.txid, true)).toMatchObject({ blockhash: stale.header.hash, height: -1, confirmations: 0 });
  });

  it('injects counter gaps with skipZmq', async () => {
    const { sim, endpoints } = await startSim();
    const got = await subscribe(sim, endpoints.zmqEndpoint, ['hashtx', 'rawtx']);
    sim.skipZmq('hashtx', 2);
    const txs = [await sim.createTx(), await sim.createTx(), await sim.createTx()];
    await waitFor(() => got.length === 4);
    expect(got.filter((m) => m.topic === 'rawtx').map((m) => m.seq)).toEqual([0, 1, 2]);
    const hashtx = got.filter((m) => m.topic === 'hashtx');
    expect(hashtx.map((m) => [m.seq, bytesToHex(m.body)])).toEqual([[2, txs[2]!.txid]]);
  });

  it('restarts like a node: same ports, chain kept, ZMQ counters back to 0, uptime reset', async () => {
    let now = 1_750_000_000_000;
    const clock: Clock = { now: () => now, setTimeout: () => () => undefined };
    const { sim, endpoints, rpc } = await startSim({ clock });
    const got = await subscribe(sim, endpoints.zmqEndpoint, ['hashtx']);
    await sim.createTx();
    const block = await sim.mineBlock();
    now += 90_000;
    expect(await rpc('uptime')).toBe(90);
    expect(await sim.restart()).toEqual(endpoints);
    expect(await rpc('uptime')).toBe(0);
    expect(await rpc('getbestblockhash')).toBe(block.header.hash);
    await got.live();
    const tx = await sim.createTx();
    // found by txid: a message of the old connection may still be queued in the SUB socket
    const seen = await waitFor(() => got.find((m) => bytesToHex(m.body) === tx.txid));
    expect(seen.seq).toBe(0);
  });
});
