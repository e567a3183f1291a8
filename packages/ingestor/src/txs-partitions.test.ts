// The ingestor with the transaction stream in hash partitions: each transaction goes to its txid's partition, and a
// new leader reads the txids of every partition, so transactions announced again are not published twice.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { NETWORKS } from '@chainfan/chain';
import { inProcessNode } from '@chainfan/node-sim';
import { busChannelsFor, type Envelope, ManualClock, txsChannels, txsPartitionOf } from '@chainfan/protocol';
import { createIngestorMetrics, createLogger, createRegistry } from '@chainfan/telemetry';
import { Ingestor } from './ingestor.js';
import { ScriptedChainSource } from './source/scripted-chain-source.js';
import { InProcessRpc } from './testing/in-process-rpc.js';
import { settle } from './testing/settle.js';

const N = 4;
const open: Ingestor[] = [];
afterEach(async () => {
  for (const i of open.splice(0)) await i.close();
});


describe('ingestor with CHAINFAN_BUS_TXS_PARTITIONS = 4', () => {
  it('publishes each transaction on its partition, and a new leader does not publish them again', async () => {
    const clock = new ManualClock();
    const node = inProcessNode({ clock, seed: 5, network: 'evrmore-main', initialBlocks: 2 });
    const bus = new MemoryBus({ now: () => clock.now() });
    const got: Envelope[] = [];
    bus.onMessage((m) => got.push(m));
    for (const ch of busChannelsFor(N)) await bus.subscribe(ch);
    const start = async (source: ScriptedChainSource): Promise<Ingestor> => {
      const ingestor = new Ingestor({
        source, rpc: new InProcessRpc(node), bus, clock,
        metrics: createIngestorMetrics(createRegistry({ defaultMetrics: false })),
        network: NETWORKS['evrmore-main'],
        log: createLogger({ service: 'test', level: 'silent' }),
        random: () => 0.5,
        mempoolIntervalMs: 0, networkIntervalMs: 0, peersIntervalMs: 0, pollIntervalMs: 0,
        txsPartitions: N,
      });
      open.push(ingestor);
      await ingestor.start();
      await settle(ingestor);
      return ingestor;
    };
    // the transactions announced below (the take-over also published block 2 with its coinbase)
    const ours = new Set<string>();
    const txEnvelopes = (): Envelope[] => got.filter((e) => e.kind === 'tx' && ours.has(e.keys.tx!));

    const firstSource = new ScriptedChainSource(clock);
    const first = await start(firstSource);
    const coinbase = got.find((e) => e.kind === 'tx');
    expect(coinbase?.channel).toBe(txsPartitionOf(coinbase!.keys.tx!, N));
    const txs = Array.from({ length: 24 }, () => node.chain.createTx().tx);
    for (const tx of txs) ours.add(tx.txid);
    for (const tx of txs) firstSource.emit('rawtx', tx.raw);
    await settle(first);
    expect(txEnvelopes()).toHaveLength(24);
    for (const e of txEnvelopes()) expect(e.channel).toBe(txsPartitionOf(e.keys.tx!, N));
    expect(new Set(txEnvelopes().map((e) => e.channel))).toEqual(new Set(txsChannels(N))); // 24 txids reach all 4
    expect(got.some((e) => e.channel === 'txs')).toBe(false);

    await first.close(); // releases the lease: the next ingestor leads at once
    const secondSource = new ScriptedChainSource(clock);
    const second = await start(secondSource);
    expect(second.status().leader).toBe(true);
    for (const ch of txsChannels(N)) expect(second.txidsReadTo(ch)?.seq).toBeGreaterThan(0); // read every partition
    for (const tx of txs) secondSource.emit('rawtx', tx.raw); // announced again (e.g. after a node restart)
    const fresh = node.chain.createTx().tx;
    ours.add(fresh.txid);
    secondSource.emit('rawtx', fresh.raw);
    await settle(second);
    expect(txEnvelopes().map((e) => e.keys.tx)).toEqual([...txs.map((t) => t.txid), fresh.txid]);
  });
});
