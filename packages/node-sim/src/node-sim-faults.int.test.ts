import { afterEach, describe, expect, it } from 'vitest';
import { NETWORKS, bytesToHex, decodeBlock, decodeSequenceBody, decodeTx, sha256d } from '@chainfan/chain';
import { waitFor } from '@chainfan/testkit';
import type { NodeSim } from './node-sim.js';
import type { NodeSimOptions } from './options.js';
import { seededRandom } from './random.js';
import { ManualClock } from '@chainfan/protocol';
import { startSim as startTestSim, subscribe as subscribeTo, type Closables, type Received } from './sim-test-harness.js';

const open: Closables = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

const startSim = (over: NodeSimOptions = {}) => startTestSim(open, over);
const subscribe = (sim: NodeSim, endpoint: string, topics: readonly string[]) => subscribeTo(open, sim, endpoint, topics);
const ofTopic = (got: readonly Received[], topic: string) => got.filter((m) => m.topic === topic);

describe('NodeSim fault injection over real ZMQ and HTTP', () => {
  it('drops about zmqDropFraction of the messages, each topic on its own draw, leaving counter gaps', async () => {
    const { sim, endpoints } = await startSim({ zmqDropFraction: 0.5, faultRandom: seededRandom(2024) });
    const got = await subscribe(sim, endpoints.zmqEndpoint, ['hashtx', 'rawtx']);
    const txs = [];
    for (let i = 0; i < 150; i++) txs.push(await sim.createTx());
    const dropped = sim.zmqDropped();
    const counters = sim.zmqCounters();
    expect(counters).toEqual({ hashtx: 150, rawtx: 150 }); // dropped messages still take their counter value
    const total = (dropped['hashtx'] ?? 0) + (dropped['rawtx'] ?? 0);
    expect(total).toBeGreaterThan(300 * 0.4); // ±3.5 standard deviations around 150, fixed by the seed
    expect(total).toBeLessThan(300 * 0.6);
    await waitFor(() => got.length === 300 - total);

    for (const topic of ['hashtx', 'rawtx']) {
      const seqs = ofTopic(got, topic).map((m) => m.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(150 - seqs.length).toBe(dropped[topic]); // every missing counter value is a drop, and nothing else is
      expect(seqs.some((s, i) => i > 0 && s - seqs[i - 1]! > 1)).toBe(true); // the subscriber sees gaps
      for (const m of ofTopic(got, topic)) {
        const txid = topic === 'hashtx' ? bytesToHex(m.body) : (decodeTx(m.body) as { ok: true; value: { txid: string } }).value.txid;
        expect(txid).toBe(txs[m.seq]!.txid); // counter value n still belongs to the n-th tx
      }
    }
    const hashSeqs = new Set(ofTopic(got, 'hashtx').map((m) => m.seq));
    const rawSeqs = new Set(ofTopic(got, 'rawtx').map((m) => m.seq));
    expect([...hashSeqs].some((s) => !rawSeqs.has(s))).toBe(true); // independent per topic: a tx can lose one of two

    expect(() => sim.setZmqDropFraction(1.5)).toThrow(RangeError);
    sim.setZmqDropFraction(0);
    const clean = await sim.createTx();
    await waitFor(() => got.some((m) => m.topic === 'rawtx' && m.seq === 150));
    expect(ofTopic(got, 'hashtx').at(-1)).toMatchObject({ seq: 150, body: Uint8Array.from(Buffer.from(clean.txid, 'hex')) });
  });

  it('burst: hashtx/rawtx and sequence C for every block, hashblock/rawblock for the new tip only', async () => {
    const { sim, endpoints, rpc } = await startSim({ zmqSequence: true });
    const got = await subscribe(sim, endpoints.zmqEndpoint, ['hashblock', 'rawblock', 'hashtx', 'rawtx', 'sequence']);
    const pooled = [await sim.createTx(), await sim.createTx()];
    const blocks = await sim.burst(5, { foreignTxsPerBlock: 3 });
    const blockTxids = blocks.flatMap((b) => b.txs.map((t) => t.txid));
    expect(blocks.map((b) => b.txs.length)).toEqual([6, 4, 4, 4, 4]); // coinbase + mempool + foreign, then coinbase + foreign
    await waitFor(() => got.length === 2 * 2 + 2 + blockTxids.length * 2 + 5 + 2);

    const tip = blocks[4]!;
    expect(ofTopic(got, 'hashblock').map((m) => bytesToHex(m.body))).toEqual([tip.header.hash]);
    const rawblock = decodeBlock(ofTopic(got, 'rawblock')[0]!.body, NETWORKS['evrmore-main']);
    expect(rawblock.ok && rawblock.value.header.hash).toBe(tip.header.hash);
    expect(ofTopic(got, 'hashtx').map((m) => bytesToHex(m.body))).toEqual([...pooled.map((t) => t.txid), ...blockTxids]);
    expect(ofTopic(got, 'rawtx').map((m) => (decodeTx(m.body) as { ok: true; value: { txid: string } }).value.txid))
      .toEqual([...pooled.map((t) => t.txid), ...blockTxids]);
    const sequence = ofTopic(got, 'sequence').map((m) => decodeSequenceBody(m.body)).map((d) => (d.ok ? d.value : d.error));
    expect(sequence).toEqual([
      ...pooled.map((t, i) => ({ hash: t.txid, label: 'A', mempoolSequence: BigInt(i + 1) })), // foreign txs get no A
      ...blocks.map((b) => ({ hash: b.header.hash, label: 'C' })),
    ]);
    // the skipped blocks are there to backfill through previousblockhash
    expect(await rpc('getblockcount')).toBe(5);
    let hash: string | undefined = tip.header.hash;
    const walked: string[] = [];
    for (let i = 0; i < 5 && hash !== undefined; i++) {
      walked.unshift(hash);
      hash = (await rpc<{ previousblockhash?: string }>('getblock', hash)).previousblockhash;
    }
    expect(walked).toEqual(blocks.map((b) => b.header.hash));
    expect(await rpc('getrawmempool')).toEqual([]);
    await expect(sim.burst(0)).rejects.toThrow(RangeError);
  });

  it('stall holds ZMQ sends and RPC answers until the stall ends on the injected clock, then delivers in order', async () => {
    const clock = new ManualClock();
    const { sim, endpoints, rpc, rpcRaw } = await startSim({ clock });
    const got = await subscribe(sim, endpoints.zmqEndpoint, ['hashtx']);
    sim.stall(5_000);
    let sent = false;
    const first = sim.createTx().then((tx) => ((sent = true), tx));
    const second = sim.createTx();
    const heldCount = rpc<number>('getblockcount');
    const mined = sim.chain.mineBlock(); // the chain moves on while the node looks hung
    const impatient = rpcRaw({ id: 1, method: 'getblockcount' }, undefined, AbortSignal.timeout(150));
    await expect(impatient).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(sent).toBe(false);
    expect(sim.zmqCounters()).toEqual({}); // nothing left the queue, so nothing was counted
    expect(got).toHaveLength(0);
    sim.stall(1_000); // shorter than what is left: stalls never shorten
    clock.advance(4_999);
    expect(sent).toBe(false);
    clock.advance(1);
    const txs = [await first, await second];
    expect(await heldCount).toBe(mined.height); // answered from the state at the end of the stall
    await waitFor(() => got.length === 2);
    expect(got.map((m) => [m.seq, bytesToHex(m.body)])).toEqual(txs.map((t, i) => [i, t.txid]));
    expect(await rpc('getblockcount')).toBe(1);
    expect(() => sim.stallZmq(-1)).toThrow(RangeError);
  });

  it('restart: RPC refuses connections during the downtime, counters restart at 0, the mempool is reloaded and re-announced', async () => {
    const clock = new ManualClock();
    const { sim, endpoints, rpc } = await startSim({ clock, restartDowntimeMs: 2_000 });
    const got = await subscribe(sim, endpoints.zmqEndpoint, ['hashtx']);
    for (let i = 0; i < 3; i++) await sim.createTx();
    await sim.mineBlock();
    const kept = [await sim.createTx(), await sim.createTx()];
    expect(sim.zmqCounters()).toMatchObject({ hashtx: 9 });
    await waitFor(() => got.length === 9);

    const restarting = sim.restart();
    await waitFor(() => clock.pending().includes(2_000)); // ZMQ and RPC are closed; the downtime runs
    await expect(rpc('getblockcount')).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    await expect(sim.createTx()).rejects.toMatchObject({ code: 'CHAINFAN_BUS_CLOSED' });
    clock.advance(2_000);
    expect(await restarting).toEqual(endpoints);

    // mempool.dat reloaded: both txs announced again, taking counter values 0 and 1
    expect(sim.zmqCounters()).toMatchObject({ hashtx: 2, rawtx: 2 });
    expect(await rpc('getrawmempool')).toEqual(kept.map((t) => t.txid));
    expect(await rpc('uptime')).toBe(0);
    await got.live();
    const fresh = await sim.createTx();
    const seen = await waitFor(() => got.find((m) => bytesToHex(m.body) === fresh.txid));
    expect(seen.seq).toBe(2);
  });

  it('regtest with the sequence topic: C/D/A/R labels, mempool sequence from 1, no R for mined txs', async () => {
    const regtest = NETWORKS['evrmore-regtest'];
    const { sim, endpoints, rpc } = await startSim({ network: 'evrmore-regtest', zmqSequence: true });
    const got = await subscribe(sim, endpoints.zmqEndpoint, ['sequence', 'rawblock']);
    const a = await sim.createTx();
    const b = await sim.createTx();
    const block = await sim.mineBlock(); // a and b leave the mempool silently (sequences 3, 4 consumed)
    const c = await sim.createTx();
    const d = await sim.createTx();
    const evicted = await sim.evictTx(d.txid); // the newest tx has no descendants
    expect(evicted.map((t) => t.txid)).toEqual([d.txid]);
    const r = await sim.reorg(1, { keepTxs: false });
    await waitFor(() => ofTopic(got, 'sequence').length === 11 && ofTopic(got, 'rawblock').length === 2);

    const seq = ofTopic(got, 'sequence').map((m) => decodeSequenceBody(m.body)).map((x) => (x.ok ? x.value : x.error));
    expect(seq).toEqual([
      { hash: a.txid, label: 'A', mempoolSequence: 1n },
      { hash: b.txid, label: 'A', mempoolSequence: 2n },
      { hash: block.header.hash, label: 'C' },
      { hash: c.txid, label: 'A', mempoolSequence: 5n },
      { hash: d.txid, label: 'A', mempoolSequence: 6n },
      { hash: d.txid, label: 'R', mempoolSequence: 7n },
      { hash: block.header.hash, label: 'D' },
      { hash: r.connected[0]!.header.hash, label: 'C' },
      { hash: r.connected[1]!.header.hash, label: 'C' },
      { hash: a.txid, label: 'A', mempoolSequence: 8n }, // back from the disconnected block, ahead of c
      { hash: b.txid, label: 'A', mempoolSequence: 9n },
    ]);
    expect(ofTopic(got, 'sequence').map((m) => m.seq)).toEqual([...Array(11).keys()]);

    // 80-byte sha256d headers on rawblock
    for (const [i, m] of ofTopic(got, 'rawblock').entries()) {
      const decoded = decodeBlock(m.body, regtest);
      expect(decoded.ok).toBe(true);
      const expected = i === 0 ? block : r.connected[1]!;
      expect(bytesToHex(sha256d(m.body.subarray(0, 80)).reverse())).toBe(expected.header.hash);
    }

    // Core's getrawmempool(verbose=false, mempool_sequence=true) pairs the pool with the sequence it reflects
    expect(await rpc('getrawmempool', false, true)).toEqual({ txids: [a.txid, b.txid, c.txid], mempool_sequence: 10 });
    await expect(rpc('getrawmempool', true, true)).rejects.toMatchObject({ rpc: { code: -8 } });
    await expect(rpc('getrawtransaction', d.txid)).rejects.toMatchObject({ rpc: { code: -5 } });
    await expect(sim.evictTx(d.txid)).rejects.toThrow(RangeError);
    // an Evrmore node (no sequence topic) has no mempool_sequence argument
    const evrmore = await startSim();
    await expect(evrmore.rpc('getrawmempool', false, true)).rejects.toMatchObject({ rpc: { code: -1 } });
  });
});
