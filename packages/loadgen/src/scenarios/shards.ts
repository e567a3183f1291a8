// Publishing through a Redis Cluster of 1 and of 3 shards, side by side: the bus's atomic publish flat out over every
// channel (each channel's keys and sharded pub/sub live on its own slot), one edge stand-in subscribed to all of them.
// Reports publish throughput, delivery latency, and each shard's Redis CPU, from which the shard capacity follows.
import { BUS_CHANNELS } from '@chainfan/protocol';
import { RedisBus } from '@chainfan/bus';
import { startRedisCluster, waitFor } from '@chainfan/testkit';
import { LatencyHistogram, type LatencySummary } from '../histogram.js';
import type { ProgressBar } from '../progress.js';
import { ProcWatch } from '../proc-watch.js';

export interface ShardsParams {
  /** messages published per run (bounded) */
  readonly count: number;
  /** publishes in flight at most */
  readonly window: number;
  readonly bodyBytes: number;
  readonly shardCounts: readonly number[];
}

export interface ShardsPoint {
  readonly shards: number;
  readonly published: number;
  readonly publishedPerSecond: number;
  /** publish (ts) → arrival at the subscribed edge stand-in */
  readonly latencyMs: LatencySummary;
  /** Redis CPU of each shard's master over the window, busiest first */
  readonly shardCpuCores: readonly number[];
  /** bus channels each shard serves, busiest (by CPU) first */
  readonly channelsPerShard: readonly number[];
  /** msg/s at which the busiest shard would be one busy core: the Redis-side publish capacity */
  readonly capacityPerSecond: number;
}

export interface ShardsResult {
  readonly points: readonly ShardsPoint[];
  /** last point / first point (3 shards / 1 shard) */
  readonly throughputRatio: number;
  readonly capacityRatio: number;
  readonly p99Ratio: number;
}

export async function runShards(p: ShardsParams, env: { readonly progress: ProgressBar; readonly label: string }): Promise<ShardsResult> {
  const points: ShardsPoint[] = [];
  for (const [i, shards] of p.shardCounts.entries()) {
    env.progress.update(i / p.shardCounts.length, `${env.label}: ${shards} shard(s)`);
    points.push(await runOne(shards, p));
  }
  const first = points[0]!;
  const last = points[points.length - 1]!;
  return {
    points,
    throughputRatio: last.publishedPerSecond / first.publishedPerSecond,
    capacityRatio: last.capacityPerSecond / first.capacityPerSecond,
    p99Ratio: last.latencyMs.p99 / first.latencyMs.p99,
  };
}

async function runOne(shards: number, p: ShardsParams): Promise<ShardsPoint> {
  const cluster = await startRedisCluster({ masters: shards, replicasPerMaster: 0 });
  const topology = { kind: 'cluster' as const, nodes: cluster.nodes };
  const sub = new RedisBus({ topology, commandTimeoutMs: 10_000 });
  const pub = new RedisBus({ topology, commandTimeoutMs: 10_000 });
  try {
    await Promise.all([sub.ready(20_000), pub.ready(20_000)]);
    const hist = new LatencyHistogram();
    let received = 0;
    sub.onMessage((m) => {
      received++;
      hist.recordMs(Date.now() - m.ts);
    });
    await Promise.all(BUS_CHANNELS.map((c) => sub.subscribe(c)));
    const body = JSON.stringify({ pad: 'x'.repeat(Math.max(0, p.bodyBytes - 10)) });
    const publish = async (n: number): Promise<void> => {
      const inFlight = new Set<Promise<unknown>>();
      for (let k = 0; k < n; k++) {
        const channel = BUS_CHANNELS[k % BUS_CHANNELS.length]!;
        const pr: Promise<unknown> = pub.publish({ channel, kind: 'bench', ts: Date.now(), body }).finally(() => inFlight.delete(pr));
        inFlight.add(pr);
        if (inFlight.size >= p.window) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    };
    await publish(Math.min(2_000, p.count)); // warm-up: scripts cached, connections to every shard open
    await waitFor(() => received >= Math.min(2_000, p.count), { timeoutMs: 30_000 });
    hist.reset();
    received = 0;

    const masters = await cluster.masterPorts();
    const pids = masters.map((port) => cluster.pidOf(port) ?? -1);
    const watch = new ProcWatch(Object.fromEntries(masters.map((port, k) => [String(port), [pids[k]!]])));
    watch.begin();
    const t0 = performance.now();
    await publish(p.count);
    const seconds = (performance.now() - t0) / 1_000;
    const usage = watch.end();
    await waitFor(() => received >= p.count, { timeoutMs: 30_000, message: 'every published message delivered' });

    const slotsOwner = await Promise.all(BUS_CHANNELS.map((c) => cluster.masterPortOf(`{cf:${c}}`)));
    const perShard = masters
      .map((port) => ({ cpu: usage.groups[String(port)]?.cpuCores ?? 0, channels: slotsOwner.filter((o) => o === port).length }))
      .sort((a, b) => b.cpu - a.cpu);
    const busiest = perShard[0]?.cpu ?? 0;
    const rate = p.count / seconds;
    return {
      shards,
      published: p.count,
      publishedPerSecond: rate,
      latencyMs: hist.summary(),
      shardCpuCores: perShard.map((s) => s.cpu),
      channelsPerShard: perShard.map((s) => s.channels),
      capacityPerSecond: busiest > 0 ? rate / busiest : NaN,
    };
  } finally {
    await Promise.allSettled([sub.close(), pub.close()]);
    await cluster.stop();
  }
}
