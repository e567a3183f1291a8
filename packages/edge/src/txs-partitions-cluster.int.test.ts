// An edge on a real 3-master Redis Cluster with the transaction stream in 6 partitions: the partitions spread over all
// masters, a client of `transactions` gets every transaction once, and resumes each partition from its position.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from '@chainfan/bus';
import { txsChannels, txsPartitionOf } from '@chainfan/protocol';
import { type RedisClusterHandle, startRedisCluster } from '@chainfan/testkit';
import { type Harness, startHarness } from './testing/edge-harness.js';

const N = 6;
let cluster: RedisClusterHandle;
const closers: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
}, 60_000);
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  await cluster?.stop();
});

describe('edge over txs partitions on a Redis Cluster', () => {
  it('delivers every transaction once from partitions on every shard, and resumes each partition from its position', async () => {
    const topology = { kind: 'cluster' as const, nodes: cluster.nodes };
    const keyPrefix = `e-${randomBytes(4).toString('hex')}:`;
    const shards = new Map<string, number>();
    const pub = new RedisBus({ topology, keyPrefix, txsPartitions: N, onPublished: (shard, n) => shards.set(shard, (shards.get(shard) ?? 0) + n) });
    const edgeBus = new RedisBus({ topology, keyPrefix, txsPartitions: N });
    closers.push(() => pub.close(), () => edgeBus.close());
    await Promise.all([pub.ready(15_000), edgeBus.ready(15_000)]);
    const h: Harness = await startHarness(edgeBus, { txsPartitions: N });
    closers.push(() => h.close());
    /** publishes n transactions, each on its partition; resolves with their txids once all are confirmed */
    const publish = async (n: number): Promise<string[]> => {
      const txids = Array.from({ length: n }, () => randomBytes(32).toString('hex'));
      await Promise.all(txids.map((tx) => pub.publish({ channel: txsPartitionOf(tx, N), kind: 'tx', ts: Date.now(), keys: { tx }, body: JSON.stringify({ txid: tx }) })));
      return txids;
    };
    const txidsOf = (frames: { json?: { data?: unknown } | undefined }[]): string[] => frames.map((f) => (f.json?.data as { txid: string }).txid);

    const first = await h.connect();
    await first.command({ action: 'subscribe', topic: 'transactions', since: 'now' }, 10_000);
    await publish(300);
    await first.waitForEvents(300, undefined, 15_000);
    expect(new Set(txidsOf(first.events())).size).toBe(300);
    expect([...shards.keys()].sort()).toEqual(['0', '1', '2']); // the partitions live on all three masters
    const since: Record<string, { epoch: string; seq: number }> = {};
    for (const f of first.events()) since[f.json!.channel as string] = { epoch: f.json!.epoch as string, seq: f.json!.seq as number };
    expect(Object.keys(since).sort()).toEqual([...txsChannels(N)].sort());
    first.terminate();

    const missed = await publish(150);
    const again = await h.connect();
    await again.command({ action: 'subscribe', topic: 'transactions', since }, 15_000);
    const replayed = again.events();
    expect(txidsOf(replayed).sort()).toEqual([...missed].sort()); // exactly the missed ones, each once, before the ack
    expect(again.resyncs()).toEqual([]);
    for (const ch of txsChannels(N)) {
      const seqs = replayed.filter((f) => f.json?.channel === ch).map((f) => f.json!.seq as number);
      expect(seqs).toEqual(seqs.map((_, k) => since[ch]!.seq + 1 + k)); // in order and gapless per partition
    }
  });
});
