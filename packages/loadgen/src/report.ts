// Turns the bench's raw runs into medians, side-by-side ratios, pass/miss verdicts for the issue's targets, and the
// markdown table written next to the JSON. Pure: no I/O.
import type { FanoutResult } from './scenarios/fanout.js';
import type { IdleResult } from './scenarios/idle.js';
import type { IngestResult } from './scenarios/ingest.js';
import type { RecoveryResult } from './scenarios/recovery.js';
import type { RedisFanoutResult } from './scenarios/redis-fanout.js';
import type { ShardsResult } from './scenarios/shards.js';
import { TARGET_LABELS, type TargetName } from './targets.js';

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly node: string;
  readonly kernel: string;
  /** soft RLIMIT_NOFILE of the bench process; children inherit it */
  readonly fdLimit: number;
}

export interface BenchResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly args: readonly string[];
  readonly reps: number;
  readonly bodyBytes: number;
  readonly machine: MachineInfo;
  readonly fanout: readonly { readonly scenario: string; readonly runs: readonly FanoutResult[] }[];
  readonly idle: readonly { readonly scenario: string; readonly runs: readonly IdleResult[] }[];
  readonly ingest: { readonly flatOut: readonly IngestResult[]; readonly paced: readonly IngestResult[] } | undefined;
  readonly recovery: readonly RecoveryResult[];
  readonly redisFanout: readonly RedisFanoutResult[];
  /** absent in results written before the scenario existed */
  readonly shards?: readonly ShardsResult[];
  /** scenarios that threw, with the error */
  readonly errors: readonly { readonly scenario: string; readonly error: string }[];
}

export interface FanoutSummary {
  readonly scenario: string;
  readonly target: TargetName;
  readonly runs: number;
  readonly clients: number;
  readonly rate: number;
  readonly deliveriesPerSecond: number;
  readonly deliveriesRange: readonly [number, number];
  readonly offeredPerSecond: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly serverCpuCores: number;
  /** deliveries per CPU-second of the server processes: its capacity if it had a whole core, whatever it was granted */
  readonly deliveriesPerServerCoreSecond: number;
  readonly serverRssBytes: number;
  readonly loadgenBusiestCores: number;
  readonly otherCores: number;
  readonly dropped: number;
  readonly notes: readonly string[];
}

export interface TargetVerdict {
  readonly target: string;
  readonly measured: string;
  readonly threshold: string;
  /** undefined: not measured in this run */
  readonly pass: boolean | undefined;
}

export function median(xs: readonly number[]): number {
  const v = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function summarizeFanout(scenario: string, runs: readonly FanoutResult[]): FanoutSummary[] {
  const byTarget = new Map<TargetName, FanoutResult[]>();
  for (const r of runs) byTarget.set(r.target, [...(byTarget.get(r.target) ?? []), r]);
  return [...byTarget].map(([target, rs]) => {
    const dps = rs.map((r) => r.deliveriesPerSecond);
    const notes = new Set<string>();
    for (const r of rs) {
      if (r.aborted !== undefined) notes.add(`aborted: ${r.aborted}`);
      if (r.openFailures > 0) notes.add(`${r.openFailures} connects failed`);
      if (r.dropped > 0) notes.add(`${r.dropped} clients dropped`);
      if (r.publish.behind > r.rate / 10) notes.add('source fell behind');
      if (r.usage.loadgen.maxProcessCpuCores > 0.9) notes.add('loadgen near 1 core');
    }
    const first = rs[0]!;
    return {
      scenario,
      target,
      runs: rs.length,
      clients: first.clients,
      rate: first.rate,
      deliveriesPerSecond: median(dps),
      deliveriesRange: [Math.min(...dps), Math.max(...dps)] as const,
      offeredPerSecond: median(rs.map((r) => r.offeredPerSecond)),
      p50: median(rs.map((r) => r.latencyMs.p50)),
      p90: median(rs.map((r) => r.latencyMs.p90)),
      p99: median(rs.map((r) => r.latencyMs.p99)),
      max: median(rs.map((r) => r.latencyMs.max)),
      serverCpuCores: median(rs.map((r) => r.usage.server.cpuCores)),
      deliveriesPerServerCoreSecond: median(rs.map((r) => (r.usage.server.cpuCores > 0 ? r.deliveriesPerSecond / r.usage.server.cpuCores : NaN))),
      serverRssBytes: median(rs.map((r) => r.usage.server.peakRssBytes)),
      loadgenBusiestCores: median(rs.map((r) => r.usage.loadgen.maxProcessCpuCores)),
      otherCores: median(rs.map((r) => r.otherCores)),
      dropped: rs.reduce((s, r) => s + r.dropped, 0),
      notes: [...notes],
    };
  });
}

const find = (s: readonly FanoutSummary[], scenario: string, target: TargetName): FanoutSummary | undefined =>
  s.find((x) => x.scenario === scenario && x.target === target);

function ratioVerdict(target: string, num: number | undefined, den: number | undefined, threshold: number, cmp: '≥' | '≤', unit: string): TargetVerdict {
  if (num === undefined || den === undefined || Number.isNaN(num) || Number.isNaN(den) || den === 0) {
    return { target, measured: 'not measured', threshold: `${cmp} ${threshold}×`, pass: undefined };
  }
  const r = num / den;
  return {
    target,
    measured: `${r.toFixed(2)}× (${fmtNum(num)} vs ${fmtNum(den)} ${unit})`,
    threshold: `${cmp} ${threshold}×`,
    pass: cmp === '≥' ? r >= threshold : r <= threshold,
  };
}

/**
 * Sustained deliveries/s is a capacity: measured where every target is saturated (10,000 × 1,000 offers 10M/s), both
 * sides one frame per message. Without that scenario, 1,000 × 1,000 stands in, where chainfan cannot deliver more
 * than the 1M/s offered: the verdict then says how far the offered load bounds the ratio.
 */
function capacityVerdict(fan: readonly FanoutSummary[], peer: TargetName, label: string): TargetVerdict {
  for (const [scenario, size] of [['fanout-10k-1000', '10,000 × 1,000, saturated'], ['fanout-1k-1000', '1,000 × 1,000']] as const) {
    const cf = find(fan, scenario, 'chainfan');
    const other = find(fan, scenario, peer);
    if (cf === undefined || other === undefined) continue;
    const v = ratioVerdict(`chainfan vs ${label} sustained deliveries/s (${size})`, cf.deliveriesPerSecond, other.deliveriesPerSecond, 10, '≥', 'deliveries/s');
    const bound = other.deliveriesPerSecond > 0 ? cf.offeredPerSecond / other.deliveriesPerSecond : Infinity;
    return v.pass === false && bound < 10 ? { ...v, measured: `${v.measured}; at most ${bound.toFixed(2)}× possible: ${fmtNum(cf.offeredPerSecond)}/s offered` } : v;
  }
  return { target: `chainfan vs ${label} sustained deliveries/s`, measured: 'not measured', threshold: '≥ 10×', pass: undefined };
}

export function verdicts(res: BenchResults, fan: readonly FanoutSummary[]): TargetVerdict[] {
  const out: TargetVerdict[] = [];
  const s1 = 'fanout-1k-1000';
  const cf = find(fan, s1, 'chainfan');
  const uws = find(fan, s1, 'uws');
  out.push(ratioVerdict('chainfan deliveries/s vs raw uWS, 1,000 clients × 1,000 msg/s', cf?.deliveriesPerSecond, uws?.deliveriesPerSecond, 0.9, '≥', 'deliveries/s'));
  out.push(ratioVerdict('chainfan p99 vs raw uWS p99, 1,000 × 1,000', cf?.p99, uws?.p99, 2, '≤', 'ms'));
  for (const [peer, label] of [['ws-redis', 'ws + ioredis'], ['socketio-redis', 'Socket.IO']] as const) out.push(capacityVerdict(fan, peer, label));
  const s2 = 'fanout-10k-100';
  const b = find(fan, s2, 'chainfan-batched');
  const u2 = find(fan, s2, 'uws');
  const batched = ratioVerdict('batched chainfan vs one-frame-per-message ceiling, 10,000 × 100', b?.deliveriesPerSecond, u2?.deliveriesPerSecond, 2, '≥', 'deliveries/s');
  // no target can deliver more than is offered: when the ceiling delivers more than half of it, 2× cannot happen
  const bound = u2 === undefined || u2.offeredPerSecond === 0 ? undefined : u2.offeredPerSecond / u2.deliveriesPerSecond;
  out.push(bound !== undefined && bound < 2 && batched.pass === false ? { ...batched, measured: `${batched.measured}; at most ${bound.toFixed(2)}× possible: the ceiling delivered ${((100 * u2!.deliveriesPerSecond) / u2!.offeredPerSecond).toFixed(0)} % of the offered load` } : batched);
  out.push(ratioVerdict('batched chainfan p99 vs ceiling p99, 10,000 × 100', b?.p99, u2?.p99, 1, '≤', 'ms'));
  const s3 = 'fanout-10k-1000';
  out.push(ratioVerdict(
    'batched chainfan vs ceiling at saturation (10,000 × 1,000: capacity)',
    find(fan, s3, 'chainfan-batched')?.deliveriesPerSecond, find(fan, s3, 'uws')?.deliveriesPerSecond, 2, '≥', 'deliveries/s',
  ));
  out.push(ratioVerdict(
    'batched chainfan vs ceiling, deliveries per server CPU-second, 10,000 × 100',
    b?.deliveriesPerServerCoreSecond, u2?.deliveriesPerServerCoreSecond, 2, '≥', 'per core-second',
  ));
  const idle = res.idle.flatMap((i) => i.runs).filter((r) => r.target === 'chainfan' && r.servers === 1);
  const perConn = median(idle.map((r) => r.rssPerConnectionBytes));
  out.push({
    target: 'RSS per idle connection (chainfan, one edge)',
    measured: idle.length === 0 ? 'not measured' : `${(perConn / 1024).toFixed(2)} KiB`,
    threshold: '≤ 2 KiB',
    pass: idle.length === 0 ? undefined : perConn <= 2048,
  });
  const flat = res.ingest?.flatOut ?? [];
  const tps = median(flat.map((r) => r.publishedPerSecond));
  out.push({ target: 'ingest: rawtx decoded and published per second, one ingestor', measured: flat.length === 0 ? 'not measured' : `${fmtNum(tps)} tx/s`, threshold: '≥ 20,000 tx/s', pass: flat.length === 0 ? undefined : tps >= 20_000 });
  const paced = res.ingest?.paced ?? [];
  const p99 = median(paced.map((r) => r.latencyMs.p99));
  out.push({ target: 'ingest latency p99 (ZMQ receive → Redis publish) at 1,000 tx/s', measured: paced.length === 0 ? 'not measured' : `${p99.toFixed(2)} ms`, threshold: '< 5 ms', pass: paced.length === 0 ? undefined : p99 < 5 });
  return out;
}

export function fmtNum(n: number): string {
  if (Number.isNaN(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

const ms = (n: number): string => (Number.isNaN(n) ? '–' : n < 10 ? n.toFixed(2) : n.toFixed(0));
const mib = (b: number): string => (Number.isNaN(b) ? '–' : (b / 2 ** 20).toFixed(0));
const cores = (c: number): string => (Number.isNaN(c) ? '–' : c.toFixed(2));
const verdict = (p: boolean | undefined): string => (p === undefined ? 'n/a' : p ? '**pass**' : '**miss**');

export function renderMarkdown(res: BenchResults): string {
  const fan = res.fanout.flatMap((f) => summarizeFanout(f.scenario, f.runs));
  const lines: string[] = [];
  const m = res.machine;
  lines.push(`# chainfan bench — ${res.startedAt}`, '');
  lines.push(
    `Machine: ${m.cpus} × ${m.cpuModel}, ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB, Node ${m.node}, Linux ${m.kernel}, ` +
      `RLIMIT_NOFILE ${m.fdLimit}. Medians of ${res.reps} run(s) per target; targets of one scenario run back to back in one ` +
      `process tree, order rotated between repetitions. Message body ${res.bodyBytes} B. Args: \`${res.args.join(' ') || '(quick set)'}\`.`,
    '',
  );
  lines.push('## Targets', '', '| target | measured | threshold | result |', '|---|---|---|---|');
  for (const v of verdicts(res, fan)) lines.push(`| ${v.target} | ${v.measured} | ${v.threshold} | ${verdict(v.pass)} |`);
  lines.push('');
  if (fan.length > 0) {
    lines.push(
      '## Fan-out through Redis',
      '',
      'Deliveries/s counted at the clients over the measurement window; latency from the publisher\'s stamp to receipt. ' +
        '"× ceiling" divides by the raw uWS in-process server in the same scenario. CPU in cores (1.00 = one core), from /proc; ' +
        '"other load" is CPU used by processes outside the bench (a shared machine). Deliveries per server CPU-second is the ' +
        'server\'s capacity per core, independent of how much CPU the scheduler granted it.',
      '',
      '| scenario | target | deliveries/s (min–max) | of offered | × ceiling | p50 ms | p90 ms | p99 ms | max ms | server CPU | deliveries per server CPU-s | server RSS MiB | loadgen busiest CPU | other load | notes |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const s of fan) {
      const ceiling = find(fan, s.scenario, 'uws')?.deliveriesPerSecond;
      const x = ceiling === undefined || ceiling === 0 ? '–' : `${(s.deliveriesPerSecond / ceiling).toFixed(2)}×`;
      lines.push(
        `| ${s.scenario} | ${TARGET_LABELS[s.target]} | ${fmtNum(s.deliveriesPerSecond)} (${fmtNum(s.deliveriesRange[0])}–${fmtNum(s.deliveriesRange[1])}) | ` +
          `${((100 * s.deliveriesPerSecond) / s.offeredPerSecond).toFixed(0)} % | ${x} | ${ms(s.p50)} | ${ms(s.p90)} | ${ms(s.p99)} | ${ms(s.max)} | ` +
          `${cores(s.serverCpuCores)} | ${fmtNum(s.deliveriesPerServerCoreSecond)} | ${mib(s.serverRssBytes)} | ${cores(s.loadgenBusiestCores)} | ${cores(s.otherCores)} | ${s.notes.join('; ')} |`,
      );
    }
    lines.push('');
  }
  const idle = res.idle.flatMap((i) => i.runs.map((r) => ({ scenario: i.scenario, r })));
  if (idle.length > 0) {
    lines.push(
      '## Idle connections',
      '',
      'RSS after a full GC in each server (SIGUSR2 → gc(), bench-only preload). "marginal" is the second half of the clients only.',
      '',
      '| scenario | server | processes on one port | connections reached | fd limit per process | fds per process | RSS per connection | marginal | kernel slab per connection (both ends) | connect time |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const { scenario, r } of idle) {
      lines.push(
        `| ${scenario} | ${r.target === 'chainfan' ? 'chainfan edge' : 'raw uWS'} | ${r.servers} | ${fmtNum(r.connections)} of ${fmtNum(r.attempted)} | ` +
          `${r.serverFdLimits.join(', ')} | ${r.serverFds.join(', ')} | ${(r.rssPerConnectionBytes / 1024).toFixed(2)} KiB | ` +
          `${(r.marginalRssPerConnectionBytes / 1024).toFixed(2)} KiB | ${(r.kernelSlabPerConnectionBytes / 1024).toFixed(1)} KiB | ${r.connectSeconds.toFixed(1)} s |`,
      );
    }
    lines.push('');
  }
  if (res.ingest !== undefined) {
    lines.push(
      '## Ingest (one ingestor, real rawtx over ZMQ → decode → RedisBus atomic publish)',
      '',
      '| mode | txs | sender tx/s | published tx/s | p50 ms | p99 ms | max ms | ingestor CPU | Redis CPU | ZMQ gaps | publish errors |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const [mode, rs] of [['flat out', res.ingest.flatOut], [`paced`, res.ingest.paced]] as const) {
      for (const r of rs) {
        lines.push(
          `| ${mode}${r.rate > 0 ? ` ${fmtNum(r.rate)} tx/s` : ''} | ${fmtNum(r.sent)} | ${fmtNum(r.senderPerSecond)} | ${fmtNum(r.publishedPerSecond)} | ` +
            `${ms(r.latencyMs.p50)} | ${ms(r.latencyMs.p99)} | ${ms(r.latencyMs.max)} | ${cores(r.usage.ingestor.cpuCores)} | ${cores(r.usage.redis.cpuCores)} | ${r.zmqGaps} | ${r.publishErrors} |`,
        );
      }
    }
    lines.push('');
  }
  if (res.recovery.length > 0) {
    lines.push(
      '## Recovery (clients resuming from a position)',
      '',
      'Through the chainfan edge: every client subscribes with `since` = a position `missed` messages back and gets them ' +
        'replayed before its ack (from the edge\'s in-memory ring of recent messages, or paged from the Redis history stream). ' +
        'Then the raw material: RedisBus.history() pages read by as many concurrent readers.',
      '',
      '| replayed by | resuming clients | missed each | recovered | messages replayed/s | all acked after | edge CPU | Redis CPU | failures |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const r of res.recovery) {
      for (const e of r.edge) {
        lines.push(
          `| edge, ${e.source === 'edge-ring' ? 'in-memory ring' : 'Redis history'} | ${fmtNum(e.resumingClients)} | ${fmtNum(e.missed)} | ${fmtNum(e.recovered)} | ` +
            `${fmtNum(e.messagesPerSecond)} | ${ms(e.wallMs)} ms | ${cores(e.usage.edge.cpuCores)} | ${cores(e.usage.redis.cpuCores)} | ${e.failures.join('; ')} |`,
        );
      }
      const b = r.busHistory;
      lines.push(
        `| RedisBus.history() directly (page ${fmtNum(b.pageSize)}) | ${fmtNum(b.resumingClients)} | ${fmtNum(b.historyMessages)} | ${fmtNum(b.resumingClients)} | ` +
          `${fmtNum(b.messagesPerSecond)} | ${ms(b.clientReplayMs.max)} ms | – | ${cores(b.usage.redis.cpuCores)} | |`,
      );
    }
    lines.push('');
  }
  if (res.redisFanout.length > 0) {
    lines.push(
      '## Redis fan-out to edges',
      '',
      'Redis CPU with N edge stand-ins (a RedisBus each: pub + sub connection, every envelope decoded) subscribed to `txs`, ' +
        'messages published through the atomic publish script. Costs are Redis CPU per published message and per delivery to one edge.',
      '',
      '| subscribed edges | msg/s | deliveries/s to edges | Redis CPU |',
      '|---|---|---|---|',
    );
    for (const r of res.redisFanout) {
      for (const p of r.points) lines.push(`| ${p.subscribers} | ${fmtNum(p.rate)} | ${fmtNum(p.deliveredPerSecond)} | ${cores(p.redisCpuCores)} |`);
      lines.push('', `Redis CPU per published message: ${r.publishMicros.toFixed(1)} µs; per delivery to a subscribed edge: ${r.deliveryMicros.toFixed(2)} µs.`, '');
    }
  }
  for (const r of res.shards ?? []) {
    lines.push(
      '## Redis Cluster: 1 shard vs 3 shards',
      '',
      'The atomic publish flat out over the hash partitions of the transaction stream through a Redis Cluster of N masters ' +
        '(no replicas), from several publisher processes, one edge stand-in subscribed to every partition over sharded pub/sub. ' +
        'Capacity = msg/s at which the busiest shard would be one busy core.',
      '',
      '| shards | partitions per shard | msg/s published | delivery p50 | p99 | shard CPU (cores) | Redis capacity msg/s |',
      '|---|---|---|---|---|---|---|',
    );
    for (const p of r.points) {
      lines.push(
        `| ${p.shards} | ${p.channelsPerShard.join('/')} | ${fmtNum(p.publishedPerSecond)} | ${ms(p.latencyMs.p50)} ms | ${ms(p.latencyMs.p99)} ms | ` +
          `${p.shardCpuCores.map((c) => c.toFixed(2)).join(' / ')} | ${fmtNum(p.capacityPerSecond)} |`,
      );
    }
    const verdict = r.capacityRatio >= 2.5 ? 'met' : 'missed';
    lines.push(
      '',
      `3 shards / 1 shard: publish throughput ×${r.throughputRatio.toFixed(2)}, Redis publish capacity ×${r.capacityRatio.toFixed(2)} ` +
        `(target ≥ 2.5×: ${verdict}), delivery p99 ×${r.p99Ratio.toFixed(2)}.`,
      '',
    );
  }
  if (res.errors.length > 0) {
    lines.push('## Errors', '');
    for (const e of res.errors) lines.push(`- ${e.scenario}: ${e.error}`);
    lines.push('');
  }
  return lines.join('\n');
}
