// Killing a Redis master mid-stream, on each topology: the publisher retries from its checkpoint, edges fill from
// history or send resync notices, the lease is re-taken with fencing; every client is checked for silent loss and
// duplicates, and the time to recover is reported (not asserted: speed is the bench's business).
import { randomUUID } from 'node:crypto';
import type { RedisTopology } from '@chainfan/bus';
import { type RedisClusterHandle, type RedisHandle, type SentinelSetHandle, startRedis, startRedisCluster, startRedisSentinelSet, waitFor } from '@chainfan/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { type Rig, startRig, verdict } from './helpers/failover-rig.js';

const TOTAL = 600;
const KILL_AT = 200;
const INTERVAL_MS = 5;

async function failover(name: string, topology: RedisTopology, prefix: string, kill: () => Promise<unknown>): Promise<void> {
  const rig: Rig = await startRig(topology, prefix, { edges: 2, clientsPerEdge: 3, total: TOTAL, intervalMs: INTERVAL_MS });
  try {
    const pub = rig.publisher;
    pub.start();
    await waitFor(() => pub.confirmed.length >= KILL_AT, { timeoutMs: 30_000, message: 'publishing before the kill' });
    const killedAt = pub.now();
    await kill();
    const killReturned = pub.now();
    await pub.done;
    await waitFor(() => rig.clients.every((c) => c.heights.includes(TOTAL)), { timeoutMs: 30_000, message: 'every client got the last block' });
    // the outage as the publisher lived it: the longest pause between two confirmed publishes from the kill on
    const after = pub.confirmed.filter((c) => c.at >= killedAt);
    let gap = { from: killedAt, to: after[0]?.at ?? killedAt };
    for (let i = 1; i < after.length; i++) if (after[i]!.at - after[i - 1]!.at > gap.to - gap.from) gap = { from: after[i - 1]!.at, to: after[i]!.at };
    const duringKill = pub.confirmed.filter((c) => c.at >= killedAt && c.at <= killReturned).length;
    const verdicts = rig.clients.map((c) => verdict(c, TOTAL));
    const sum = (k: keyof (typeof verdicts)[number]): number => verdicts.reduce((a, v) => a + v[k], 0);
    console.log(
      `[failover ${name}] published ${TOTAL} at one per ${INTERVAL_MS} ms; confirmed while the kill and promotion ran ${duringKill}; ` +
        `publish failures ${pub.failures} (fenced ${pub.fenced}), lease taken ${pub.leaseChanges}x, fence re-stamps ${pub.fenceRestamps}; ` +
        `publisher recovered ${((gap.to - killedAt) / 1_000).toFixed(2)} s after the kill (longest pause ${((gap.to - gap.from) / 1_000).toFixed(2)} s); clients ${verdicts.length}: ` +
        `lost silently ${sum('lostSilently')}, silent duplicates ${sum('duplicates')}, resync notices ${sum('resyncs')}, heights announced lost ${sum('lostAnnounced')}, re-delivered after a resync ${sum('redelivered')}`,
    );
    const firstBad = rig.clients.find((c, i) => verdicts[i]!.duplicates > 0 || verdicts[i]!.lostSilently > 0);
    if (firstBad !== undefined) {
      const h = firstBad.heights.find((x, i) => firstBad.heights.indexOf(x) !== i) ?? 0;
      const at = firstBad.positions.findIndex((p) => p.startsWith(`${h}@`));
      console.log(`[failover ${name}] around height ${h}: ${firstBad.positions.slice(Math.max(0, at - 3), at + 12).join(' | ')}`);
    }
    for (const v of verdicts) {
      expect(v.lostSilently).toBe(0);
      expect(v.duplicates).toBe(0);
    }
  } finally {
    await rig.close();
  }
}

const prefix = (): string => `fo-${randomUUID().slice(0, 8)}:`;

describe('a Redis master dies mid-stream', () => {
  const owned: { stop(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(owned.map((o) => o.stop()));
  });

  it('single Redis: killed and restarted empty — clients are told to resync, nothing is lost silently', async () => {
    const redis: RedisHandle = await startRedis({ containerRuntime: false });
    owned.push(redis);
    await failover('single', { kind: 'single', url: redis.url }, prefix(), async () => {
      await redis.kill();
      await redis.restart();
    });
  });

  it('Sentinel: the primary is killed and the replica promoted', async () => {
    const set: SentinelSetHandle = await startRedisSentinelSet({ password: 'pw' });
    owned.push(set);
    await failover('sentinel', { kind: 'sentinel', sentinels: set.sentinels, name: set.name, password: 'pw' }, prefix(), () => set.killPrimary());
  });

  it('Cluster: the master holding the blocks channel is killed and its replica takes the slots over', async () => {
    const cluster: RedisClusterHandle = await startRedisCluster({ password: 'pw' });
    owned.push(cluster);
    const p = prefix();
    await failover('cluster', { kind: 'cluster', nodes: cluster.nodes, password: 'pw' }, p, () => cluster.killMasterOf(`{${p}blocks}`));
  });
});
