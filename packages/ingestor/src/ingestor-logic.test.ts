// Ingestor logic on a scripted ChainSource, the simulated node in-process and a ManualClock: lost notifications,
// counter gaps and grace periods, with no socket and no real time.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { NETWORKS } from '@chainfan/chain';
import { inProcessNode } from '@chainfan/node-sim';
import { BUS_CHANNELS, type Envelope, ManualClock } from '@chainfan/protocol';
import { createIngestorMetrics, createLogger, createRegistry } from '@chainfan/telemetry';
import { Ingestor } from './ingestor.js';
import { ScriptedChainSource } from './source/scripted-chain-source.js';
import { InProcessRpc } from './testing/in-process-rpc.js';
import { settle } from './testing/settle.js';

const HASH_GRACE_MS = 1_000;
const open: Ingestor[] = [];
afterEach(async () => {
  for (const i of open.splice(0)) await i.close();
});

async function setup() {
  const clock = new ManualClock();
  const node = inProcessNode({ clock, seed: 5, network: 'evrmore-main', initialBlocks: 2 });
  const rpc = new InProcessRpc(node);
  const bus = new MemoryBus({ now: () => clock.now() });
  const got: Envelope[] = [];
  bus.onMessage((m) => got.push(m));
  for (const ch of BUS_CHANNELS) await bus.subscribe(ch);
  const source = new ScriptedChainSource(clock);
  const metrics = createIngestorMetrics(createRegistry({ defaultMetrics: false }));
  const ingestor = new Ingestor({
    source, rpc, bus, clock, metrics,
    network: NETWORKS['evrmore-main'],
    log: createLogger({ service: 'test', level: 'silent' }),
    random: () => 0.5,
    mempoolIntervalMs: 0, networkIntervalMs: 0, peersIntervalMs: 0, pollIntervalMs: 0,
    hashGraceMs: HASH_GRACE_MS,
  });
  open.push(ingestor);
  await ingestor.start();
  // leadership is taken in the first tick, then the take-over syncs to the node's tip
  await settle(ingestor);
  expect(ingestor.status().leader).toBe(true);
  const txids = (): string[] => got.filter((e) => e.channel === 'txs').map((e) => (JSON.parse(e.body) as { txid: string }).txid);
  const heights = (): number[] => got.filter((e) => e.channel === 'blocks').map((e) => (JSON.parse(e.body) as { height: number }).height);
  return { clock, node, rpc, bus, got, source, metrics, ingestor, txids, heights };
}


describe('Ingestor on a scripted source', () => {
  it('takes over at the node tip and publishes what the source delivers, in order', async () => {
    const t = await setup();
    expect(t.heights()).toEqual([2]); // the tip at take-over, not the history before it
    const rpcBefore = t.rpc.calls.length;
    const a = t.node.chain.createTx();
    const b = t.node.chain.createTx();
    t.source.emit('rawtx', a.tx.raw);
    t.source.emit('rawtx', b.tx.raw);
    const block = t.node.chain.mineBlock();
    t.source.emit('rawblock', block.block.raw);
    await settle(t.ingestor);
    expect(t.txids()).toEqual(expect.arrayContaining([a.tx.txid, b.tx.txid]));
    expect(t.txids().indexOf(a.tx.txid)).toBeLessThan(t.txids().indexOf(b.tx.txid));
    expect(t.heights()).toEqual([2, 3]);
    // the transactions and the block came from the source; only the block's header is asked (for its chainwork)
    expect(t.rpc.calls.slice(rpcBefore)).toEqual(['getblockheader']);
  });

  it('a gap in the rawtx counter brings the lost transaction over RPC, once', async () => {
    const t = await setup();
    const rpcBefore = t.rpc.calls.length;
    const a = t.node.chain.createTx();
    const lost = t.node.chain.createTx();
    const c = t.node.chain.createTx();
    t.source.emit('rawtx', a.tx.raw);
    t.source.drop('rawtx'); // the transport lost `lost`
    t.source.emit('rawtx', c.tx.raw);
    await settle(t.ingestor);
    expect(t.rpc.calls.slice(rpcBefore)).toContain('getrawmempool');
    const txids = t.txids();
    expect(txids.filter((x) => x === lost.tx.txid)).toHaveLength(1);
    expect(txids.filter((x) => x === a.tx.txid)).toHaveLength(1);
    expect(txids.filter((x) => x === c.tx.txid)).toHaveLength(1);
  });

  it('a hashblock whose rawblock never comes is fetched over RPC when the grace period ends on the clock', async () => {
    const t = await setup();
    const block = t.node.chain.mineBlock();
    t.source.emit('hashblock', Buffer.from(block.hash, 'hex'));
    await settle(t.ingestor);
    t.clock.advance(HASH_GRACE_MS - 1);
    await settle(t.ingestor);
    expect(t.heights()).toEqual([2]);
    t.clock.advance(1);
    await settle(t.ingestor);
    expect(t.heights()).toEqual([2, 3]);
  });

  it('a malformed frame is counted, not thrown', async () => {
    const t = await setup();
    t.source.invalid('3 frames expected, got 1');
    expect((await t.metrics.decodeErrors.get()).values.find((v) => v.labels['topic'] === 'frame')?.value).toBe(1);
  });
});
