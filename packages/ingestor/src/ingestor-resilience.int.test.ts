// Issue 3: never miss, never invent. The ingestor against a real node simulator with injected faults.
import { afterEach, describe, expect, it } from 'vitest';
import type { Envelope } from '@chainfan/protocol';
import { waitFor } from '@chainfan/testkit';
import { blocksOf, bodyOf, type Harness, startHarness, txidsOf, warmUp } from './ingestor.fixture.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function harness(...args: Parameters<typeof startHarness>): Promise<Harness> {
  const h = await startHarness(...args);
  harnesses.push(h);
  return h;
}

/** Published blocks have consecutive heights, each once; every block's transactions went out before it, once each. */
function expectCompleteAndOrdered(got: readonly Envelope[]): void {
  const seen = new Set<string>();
  let lastHeight: number | undefined;
  for (const e of got) {
    if (e.channel === 'txs') {
      const { txid } = bodyOf<{ txid: string }>(e);
      expect(seen.has(txid), `duplicate tx ${txid}`).toBe(false);
      seen.add(txid);
    } else if (e.channel === 'blocks') {
      const b = bodyOf<{ height: number; tx: string[] }>(e);
      if (lastHeight !== undefined) expect(b.height, 'block heights are consecutive').toBe(lastHeight + 1);
      lastHeight = b.height;
      for (const t of b.tx) expect(seen.has(t), `tx ${t} of block ${b.height} published before the block`).toBe(true);
    }
  }
}

async function mineWithTxs(h: Harness, blocks: number, txsPerBlock: number): Promise<void> {
  for (let b = 0; b < blocks; b++) {
    for (let i = 0; i < txsPerBlock; i++) await h.sim.createTx();
    await h.sim.mineBlock();
  }
}

async function tipReached(h: Harness, ingestor: { status(): { tip?: { hash: string } | undefined } }, timeoutMs = 15_000): Promise<void> {
  const best = await h.rpc.call<string>('getbestblockhash');
  await waitFor(() => ingestor.status().tip?.hash === best, { timeoutMs, message: `ingestor reaches ${best}` });
}

describe('ingestor resilience', () => {
  it('resumes from the checkpoint after a restart with no duplicate and no hole', async () => {
    const h = await harness();
    const a = await h.startIngestor();
    await warmUp(h, a.ingestor);
    await mineWithTxs(h, 2, 3);
    await tipReached(h, a.ingestor);
    await a.ingestor.close();

    // while no ingestor runs: two blocks with transactions, and two transactions left in the mempool
    await mineWithTxs(h, 2, 3);
    const pending = [await h.sim.createTx(), await h.sim.createTx()];

    const b = await h.startIngestor();
    await tipReached(h, b.ingestor);
    await waitFor(() => pending.every((t) => txidsOf(h.got).includes(t.txid)), { message: 'mempool reconciled' });
    await b.ingestor.idle();
    expectCompleteAndOrdered(h.got);
    expect(blocksOf(h.got).at(-1)!.height).toBe(h.sim.height);
    expect((await b.metrics.recoveredTxs.get()).values[0]!.value).toBeGreaterThanOrEqual(pending.length);
  });

  it('backfills 1,000 missed blocks in order through batched RPC', async () => {
    const h = await harness();
    const a = await h.startIngestor();
    await warmUp(h, a.ingestor);
    await a.ingestor.close();
    const from = h.sim.height;
    for (let i = 0; i < 1_000; i++) await h.sim.mineBlock();
    const b = await h.startIngestor();
    const started = Date.now();
    await tipReached(h, b.ingestor, 60_000);
    const ms = Date.now() - started;
    const heights = blocksOf(h.got).map((x) => x.height).filter((x) => x > from);
    expect(heights).toEqual(Array.from({ length: 1_000 }, (_, i) => from + 1 + i));
    expectCompleteAndOrdered(h.got);
    console.log(`backfill: 1,000 blocks in ${ms} ms`); // reported in the closing note; speed lives in the bench
  });

  it('turns a depth-3 reorg into exactly one reorg event followed by the new branch', async () => {
    const h = await harness();
    const a = await h.startIngestor();
    await warmUp(h, a.ingestor);
    await mineWithTxs(h, 5, 2);
    await tipReached(h, a.ingestor);
    const mark = h.got.length;
    const r = await h.sim.reorg(3);
    await tipReached(h, a.ingestor);
    await a.ingestor.idle();
    const after = h.got.slice(mark);
    const reorgs = after.filter((e) => e.channel === 'chain' && e.kind === 'reorg');
    expect(reorgs).toHaveLength(1);
    const ev = bodyOf<{ depth: number; fork_height: number; disconnected: string[]; connected: string[] }>(reorgs[0]!);
    expect(ev.depth).toBe(3);
    expect(ev.disconnected).toEqual(r.disconnected.map((b) => b.header.hash));
    expect(ev.connected).toEqual(r.connected.map((b) => b.header.hash));
    expect(ev.fork_height).toBe(r.connected[0]!.header.height! - 1);
    const reorgIndex = after.indexOf(reorgs[0]!);
    expect(blocksOf(after.slice(reorgIndex)).map((b) => b.hash)).toEqual(r.connected.map((b) => b.header.hash));
    expect(blocksOf(after.slice(0, reorgIndex))).toEqual([]);
  });

  it('finds the fork point of a reorg deeper than its window over RPC and retracts every disconnected block in one event', async () => {
    const h = await harness();
    const a = await h.startIngestor({ windowSize: 2 });
    await warmUp(h, a.ingestor);
    for (let i = 0; i < 6; i++) await h.sim.mineBlock();
    await tipReached(h, a.ingestor);
    const mark = h.got.length;
    const published = new Set(blocksOf(h.got).map((b) => b.hash));
    const r = await h.sim.reorg(5);
    await tipReached(h, a.ingestor);
    await a.ingestor.idle();
    const after = h.got.slice(mark);
    const reorgs = after.filter((e) => e.channel === 'chain' && e.kind === 'reorg');
    expect(reorgs).toHaveLength(1);
    const ev = bodyOf<{ depth: number; fork_height: number; fork_hash: string; disconnected: string[]; connected: string[] }>(reorgs[0]!);
    expect(ev.disconnected).toEqual(r.disconnected.map((b) => b.header.hash));
    expect(ev.disconnected.every((x) => published.has(x))).toBe(true);
    expect(ev.depth).toBe(5);
    expect(ev.connected).toEqual(r.connected.map((b) => b.header.hash));
    expect(ev.fork_height).toBe(h.sim.height - r.connected.length);
    expect(ev.fork_hash).toBe(await h.rpc.call<string>('getblockhash', [ev.fork_height]));
    expect(blocksOf(after.slice(after.indexOf(reorgs[0]!))).map((b) => b.hash)).toEqual(r.connected.map((b) => b.header.hash));
  });

  it('recovers what ZMQ lost: dropped messages, bursts that announce only the tip, a skipped rawblock', async () => {
    const h = await harness();
    const a = await h.startIngestor();
    await warmUp(h, a.ingestor);
    const mark = h.got.length;
    h.sim.setZmqDropFraction(0.3);
    await mineWithTxs(h, 4, 5);
    h.sim.setZmqDropFraction(0);
    await h.sim.burst(5);
    h.sim.skipZmq('rawblock');
    await h.sim.mineBlock();
    await tipReached(h, a.ingestor);
    await a.ingestor.resync('test'); // the last block's mempool reconciliation, deterministically
    const after = h.got.slice(mark);
    expectCompleteAndOrdered(h.got);
    expect(blocksOf(after).map((b) => b.height)).toEqual(Array.from({ length: 10 }, (_, i) => blocksOf(after)[0]!.height + i));
    expect((await a.metrics.zmqGaps.get()).values.reduce((n, v) => n + v.value, 0)).toBeGreaterThan(0);
  });

  it('resumes cleanly when the node restarts (counters back to 0)', async () => {
    const h = await harness();
    const a = await h.startIngestor();
    await warmUp(h, a.ingestor);
    await mineWithTxs(h, 1, 2);
    await h.sim.restart();
    // after a restart the SUB socket reconnects by itself; keep sending until the new stream arrives
    const fresh = new Set<string>();
    await waitFor(async () => {
      fresh.add((await h.sim.createTx()).txid);
      return txidsOf(h.got).some((t) => fresh.has(t));
    }, { timeoutMs: 15_000, intervalMs: 200 });
    await mineWithTxs(h, 2, 2);
    await tipReached(h, a.ingestor);
    await a.ingestor.resync('test');
    expectCompleteAndOrdered(h.got);
    for (const t of fresh) expect(txidsOf(h.got)).toContain(t);
    expect((await a.metrics.zmqResets.get()).values.reduce((n, v) => n + v.value, 0)).toBeGreaterThan(0);
  });

  it('hands over to a standby: exactly one publishes, and the successor continues without duplicates', async () => {
    const h = await harness();
    const a = await h.startIngestor({ owner: 'a', leaseTtlMs: 600, leaseRenewMs: 150, leaseRetryMs: 100 });
    await warmUp(h, a.ingestor);
    const b = await h.startIngestor({ owner: 'b', leaseTtlMs: 600, leaseRenewMs: 150, leaseRetryMs: 100 });
    expect(a.ingestor.status().leader).toBe(true);
    expect(b.ingestor.status().leader).toBe(false);
    await mineWithTxs(h, 1, 3);
    await tipReached(h, a.ingestor);
    await a.ingestor.close(); // hands the lease back
    await waitFor(() => b.ingestor.status().leader, { timeoutMs: 5_000 });
    await mineWithTxs(h, 2, 3);
    await tipReached(h, b.ingestor);
    expectCompleteAndOrdered(h.got);
    expect(a.ingestor.status().leader).toBe(false);
  });
});

describe('Bitcoin Core-style node: 80-byte headers and the sequence topic', () => {
  it('publishes blocks and forwards sequence notifications with their labels', async () => {
    const h = await harness({ zmqSequence: true }, 'evrmore-regtest');
    const a = await h.startIngestor();
    await warmUp(h, a.ingestor);
    await mineWithTxs(h, 2, 2);
    await tipReached(h, a.ingestor);
    await a.ingestor.idle();
    expectCompleteAndOrdered(h.got);
    const seq = h.got.filter((e) => e.channel === 'sequence').map((e) => bodyOf<{ label: string; hash: string; sequence: number; mempool_sequence?: number }>(e));
    expect(new Set(seq.map((s) => s.label))).toEqual(new Set(['A', 'C']));
    expect(seq.filter((s) => s.label === 'A').every((s) => typeof s.mempool_sequence === 'number' && s.hash.length === 82)).toBe(true);
    expect(seq.filter((s) => s.label === 'C').every((s) => s.hash.length === 66)).toBe(true);
  });
});

describe('periodic node summaries', () => {
  it('publishes network (status, tps, block interval) and peers events on the ctl channel', async () => {
    const h = await harness();
    const a = await h.startIngestor({ networkIntervalMs: 100, peersIntervalMs: 100 });
    await warmUp(h, a.ingestor);
    await mineWithTxs(h, 2, 3);
    await tipReached(h, a.ingestor);
    const mark = h.got.length;
    await waitFor(() => h.got.slice(mark).some((e) => e.kind === 'network') && h.got.slice(mark).some((e) => e.kind === 'peers'));
    const net = bodyOf<Record<string, unknown>>(h.got.slice(mark).find((e) => e.kind === 'network')!);
    expect(net).toMatchObject({ height: h.sim.height, best_block_hash: await h.rpc.call('getbestblockhash') });
    expect(net['tps']).toBeGreaterThan(0);
    expect(typeof net['block_interval_s']).toBe('number');
    expect(net['connections']).toBe((await h.rpc.call<{ connections: number }>('getnetworkinfo')).connections);
    const peers = bodyOf<{ peers: { addr: string }[]; total: number }>(h.got.slice(mark).find((e) => e.kind === 'peers')!);
    expect(peers.total).toBe((await h.rpc.call<unknown[]>('getpeerinfo')).length);
    expect(peers.peers.every((p) => typeof p.addr === 'string' && p.addr.length > 0)).toBe(true);
    expect(h.got.slice(mark).filter((e) => e.kind === 'network').every((e) => e.channel === 'ctl')).toBe(true);
  });
});
