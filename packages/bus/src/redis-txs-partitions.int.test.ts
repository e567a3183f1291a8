// The transaction stream in hash partitions on a real Redis Cluster: partitions land on every master, each has its own
// gapless sequence, and a subscriber of all partitions gets every transaction exactly once.
import { randomBytes } from 'node:crypto';
import { type Envelope, txsChannels, txsPartitionOf } from '@chainfan/protocol';
import { type RedisClusterHandle, startRedisCluster, waitFor } from '@chainfan/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from './redis-bus.js';
import { busKeys } from './redis-keys.js';

const N = 6;
const TXS = 600;
let cluster: RedisClusterHandle;
const buses: RedisBus[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
}, 60_000);
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await cluster?.stop();
});

function bus(prefix: string, onPublished?: (shard: string, messages: number) => void): RedisBus {
  const b = new RedisBus({ topology: { kind: 'cluster', nodes: cluster.nodes }, keyPrefix: prefix, txsPartitions: N, ...(onPublished ? { onPublished } : {}) });
  buses.push(b);
  return b;
}

describe('txs partitions on a 3-master Cluster', () => {
  it('spreads partitions over every master and delivers every transaction once, in order per partition', async () => {
    const prefix = `p-${randomBytes(4).toString('hex')}:`;
    const keys = busKeys(prefix, N);
    const ports = await Promise.all(txsChannels(N).map((c) => cluster.masterPortOf(keys.channels.get(c)!.pubsub)));
    const perMaster = new Map<number, number>();
    for (const p of ports) perMaster.set(p, (perMaster.get(p) ?? 0) + 1);
    expect([...perMaster.values()].sort()).toEqual([2, 2, 2]); // N ÷ masters each (partitionTag)

    const byShard = new Map<string, number>();
    const pub = bus(prefix, (shard, n) => byShard.set(shard, (byShard.get(shard) ?? 0) + n));
    const sub = bus(prefix);
    const got: Envelope[] = [];
    sub.onMessage((m) => got.push(m));
    await Promise.all([pub.ready(15_000), sub.ready(15_000)]);
    for (const c of txsChannels(N)) await sub.subscribe(c);
    const token = await pub.acquireLease('partitions-test', 10_000);
    expect(token).toBeDefined(); // every partition got its fence copy: fenced publishes below go through

    const txids = Array.from({ length: TXS }, () => randomBytes(32).toString('hex'));
    const receipts = await Promise.all(
      txids.map((tx) => pub.publish({ channel: txsPartitionOf(tx, N), kind: 'tx', ts: Date.now(), keys: { tx }, body: JSON.stringify({ txid: tx }) }, { fencingToken: token! })),
    );
    expect(receipts).toHaveLength(TXS);
    await waitFor(() => got.length >= TXS, { timeoutMs: 15_000, message: 'every transaction delivered' });

    // once each, on the partition of its txid
    const seen = new Set<string>();
    for (const m of got) {
      const tx = m.keys.tx!;
      expect(seen.has(tx)).toBe(false);
      seen.add(tx);
      expect(m.channel).toBe(txsPartitionOf(tx, N));
    }
    expect(seen.size).toBe(TXS);
    // per partition: its own sequence 1, 2, 3 … in delivery order, and history agrees
    for (const c of txsChannels(N)) {
      const seqs = got.filter((m) => m.channel === c).map((m) => m.seq);
      expect(seqs.length).toBeGreaterThan(0);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      const h = await pub.history(c, 0, TXS);
      expect(h.messages.map((m) => m.seq)).toEqual(seqs);
    }
    // the per-shard publish count saw all three masters, and counted every message once
    expect([...byShard.keys()].sort()).toEqual(['0', '1', '2']);
    expect([...byShard.values()].reduce((a, b) => a + b, 0)).toBe(TXS);
  });
});
