// Publishing through a Redis Cluster of 1 and of 3 shards, side by side: the bus's atomic publish flat out over the
// hash partitions of the transaction stream (each partition's keys and sharded pub/sub live on its own slot, spread
// evenly over the masters), from several publisher processes at once, and one edge stand-in subscribed to every
// partition. Reports publish throughput, delivery latency, and each shard's Redis CPU, from which the capacity follows.
import type { ChildProcess } from 'node:child_process';
import { txsChannels } from '@chainfan/protocol';
import { busKeys, RedisBus } from '@chainfan/bus';
import { startRedisCluster, waitFor } from '@chainfan/testkit';
import { forkTs, nextMessage } from '../fork-ts.js';
import { LatencyHistogram, type LatencySummary } from '../histogram.js';
import type { ProgressBar } from '../progress.js';
import { ProcWatch } from '../proc-watch.js';
import type { ShardPublisherCommand, ShardPublisherReport } from '../shard-publisher-process.js';

export interface ShardsParams {
  /** messages published per run (bounded) */
  readonly count: number;
  /** publishes in flight at most */
  readonly window: number;
  readonly bodyBytes: number;
  readonly shardCounts: readonly number[];
  /** hash partitions of the transaction stream (the same in every run) */
  readonly txsPartitions: number;
  /** publisher processes side by side, each publishing count ÷ publishers */
  readonly publishers: number;
}

export interface ShardsPoint {
  readonly shards: number;
  readonly published: number;
  readonly publishedPerSecond: number;
  /** publish (ts) → arrival at the subscribed edge stand-in */
  readonly latencyMs: LatencySummary;
  /** Redis CPU of each shard's master over the window, busiest first */
  readonly shardCpuCores: readonly number[];
  /** transaction partitions each shard serves, busiest (by CPU) first */
  readonly channelsPerShard: readonly number[];
  /** publishes that failed (a visible shortfall, expected 0) */
  readonly failed: number;
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
  const channels = txsChannels(p.txsPartitions);
  const sub = new RedisBus({ topology, commandTimeoutMs: 10_000, txsPartitions: p.txsPartitions });
  const children: ChildProcess[] = [];
  try {
    for (let k = 0; k < p.publishers; k++) {
      children.push(forkTs('./shard-publisher-process.ts', {
        env: { SHARD_PUBLISHER_TOPOLOGY: JSON.stringify(topology), SHARD_PUBLISHER_TXS_PARTITIONS: String(p.txsPartitions) },
      }));
    }
    await Promise.all(children.map((c) => nextMessage<ShardPublisherReport, true>(c, (m) => (m.type === 'ready' ? true : undefined), 30_000, 'shard publisher ready')));
    await sub.ready(20_000);
    const hist = new LatencyHistogram();
    let received = 0;
    sub.onMessage((m) => {
      received++;
      hist.recordMs(Date.now() - m.ts);
    });
    await Promise.all(channels.map((c) => sub.subscribe(c)));
    const body = JSON.stringify({ pad: 'x'.repeat(Math.max(0, p.bodyBytes - 10)) });
    let offset = 0;
    /** every publisher fills `each` messages at once; resolves with the failures */
    const fill = async (each: number): Promise<number> => {
      const replies = children.map((c) => nextMessage<ShardPublisherReport, number>(c, (m) => (m.type === 'filled' ? m.failed : undefined), 300_000, 'shard publisher fill'));
      for (const c of children) {
        c.send({ type: 'fill', count: each, offset, window: Math.max(1, Math.floor(p.window / p.publishers)), body } satisfies ShardPublisherCommand);
        offset += each;
      }
      return (await Promise.all(replies)).reduce((a, b) => a + b, 0);
    };
    const warm = Math.ceil(Math.min(2_000, p.count) / p.publishers);
    await fill(warm); // scripts cached, connections to every shard open
    await waitFor(() => received >= warm * p.publishers, { timeoutMs: 30_000 });
    hist.reset();
    received = 0;

    const masters = await cluster.masterPorts();
    const pids = masters.map((port) => cluster.pidOf(port) ?? -1);
    const watch = new ProcWatch(Object.fromEntries(masters.map((port, k) => [String(port), [pids[k]!]])));
    const each = Math.ceil(p.count / p.publishers);
    watch.begin();
    const t0 = performance.now();
    const failed = await fill(each);
    const seconds = (performance.now() - t0) / 1_000;
    const usage = watch.end();
    const total = each * p.publishers;
    await waitFor(() => received >= total - failed, { timeoutMs: 60_000, message: 'every published message delivered' });

    const keys = busKeys('cf:', p.txsPartitions);
    const slotsOwner = await Promise.all(channels.map((c) => cluster.masterPortOf(keys.channels.get(c)!.pubsub)));
    const perShard = masters
      .map((port) => ({ cpu: usage.groups[String(port)]?.cpuCores ?? 0, channels: slotsOwner.filter((o) => o === port).length }))
      .sort((a, b) => b.cpu - a.cpu);
    const busiest = perShard[0]?.cpu ?? 0;
    const rate = (total - failed) / seconds;
    return {
      shards,
      published: total - failed,
      failed,
      publishedPerSecond: rate,
      latencyMs: hist.summary(),
      shardCpuCores: perShard.map((s) => s.cpu),
      channelsPerShard: perShard.map((s) => s.channels),
      capacityPerSecond: busiest > 0 ? rate / busiest : NaN,
    };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.allSettled([sub.close(), ...children.map((c) => new Promise((r) => (c.exitCode !== null ? r(undefined) : c.once('exit', r))))]);
    await cluster.stop();
  }
}
