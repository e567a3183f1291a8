// `npm run bench`: runs the named scenarios (quick set by default) against a private redis-server and writes
// bench-results/<time>.json and .md (plus latest.json / latest.md). Every run is bounded in count and time.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { redisCommand, startRedis } from '@chainfan/testkit';
import { parseBenchArgs, USAGE } from './bench-args.js';
import { maxOpenFiles } from './proc-stats.js';
import { ProgressBar } from './progress.js';
import { type BenchResults, type MachineInfo, renderMarkdown } from './report.js';
import type { ScenarioSpec } from './scenarios/catalog.js';
import { type FanoutResult, runFanout } from './scenarios/fanout.js';
import { type IdleResult, runIdle } from './scenarios/idle.js';
import { type IngestResult, startIngestRig } from './scenarios/ingest.js';
import { type RecoveryResult, runRecovery } from './scenarios/recovery.js';
import { type RedisFanoutResult, runRedisFanout } from './scenarios/redis-fanout.js';
import { runShards, type ShardsResult } from './scenarios/shards.js';
import { Publisher } from './targets.js';

/** A fan-out whose server passes this RSS is stopped: unbounded buffering must not take the machine down. */
const MAX_SERVER_RSS_BYTES = 3 * 2 ** 30;

const parsed = parseBenchArgs(process.argv.slice(2));
if (!parsed.ok) {
  process.stderr.write(`${parsed.problems.join('\n')}\n\n${USAGE}\n`);
  process.exit(64);
}
const plan = parsed.plan;
if (plan.list) {
  const { SCENARIOS, QUICK } = await import('./scenarios/catalog.js');
  for (const s of SCENARIOS) process.stdout.write(`${s.name}${QUICK.some((q) => q.name === s.name) ? '  (quick)' : ''}\n`);
  process.exit(0);
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const progress = new ProgressBar();
const outDir = resolve(plan.outDir);
const profileDir = join(outDir, 'profiles');
const serverNodeFlags = plan.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : undefined;
await mkdir(plan.profile ? profileDir : outDir, { recursive: true });

const machine: MachineInfo = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  memoryBytes: totalmem(),
  node: process.version,
  kernel: release(),
  fdLimit: maxOpenFiles(process.pid) ?? NaN,
};
log(`bench: ${plan.scenarios.map((s) => s.name).join(', ')} × ${plan.reps} rep(s); RLIMIT_NOFILE ${machine.fdLimit} per process; ${machine.cpus} CPUs`);

const startedAt = new Date().toISOString();
const redis = await startRedis();
const redisPid = await localRedisPid(redis.url);
const publisher = await Publisher.start(redis.url);
const results = {
  fanout: [] as { scenario: string; runs: FanoutResult[] }[],
  idle: [] as { scenario: string; runs: IdleResult[] }[],
  ingest: undefined as { flatOut: IngestResult[]; paced: IngestResult[] } | undefined,
  recovery: [] as RecoveryResult[],
  redisFanout: [] as RedisFanoutResult[],
  shards: [] as ShardsResult[],
  errors: [] as { scenario: string; error: string }[],
};

try {
  for (const s of plan.scenarios) {
    try {
      await runScenario(s);
    } catch (err) {
      progress.done();
      const error = err instanceof Error ? err.message : String(err);
      log(`bench: ${s.name} failed: ${error}`);
      results.errors.push({ scenario: s.name, error });
    }
  }
} finally {
  await publisher.close();
  await redis.stop();
}

const res: BenchResults = {
  startedAt,
  finishedAt: new Date().toISOString(),
  args: process.argv.slice(2),
  reps: plan.reps,
  bodyBytes: plan.bodyBytes,
  machine,
  ...results,
};
const md = renderMarkdown(res);
const stamp = startedAt.replace(/[:.]/g, '-');
await writeFile(join(outDir, `${stamp}.json`), `${JSON.stringify(res, null, 2)}\n`);
await writeFile(join(outDir, `${stamp}.md`), md);
await writeFile(join(outDir, 'latest.json'), `${JSON.stringify(res, null, 2)}\n`);
await writeFile(join(outDir, 'latest.md'), md);
process.stdout.write(`${md}\n`);
log(`bench: wrote ${join(outDir, `${stamp}.json`)} and .md`);
process.exit(0);

async function runScenario(s: ScenarioSpec): Promise<void> {
  switch (s.kind) {
    case 'idle': {
      const runs: IdleResult[] = [];
      for (const r of s.runs) {
        const label = `${s.name} ${r.target}×${r.servers}`;
        const out = await runIdle({ ...r, topic: 'blocks' }, { redisUrl: redis.url, progress, label });
        log(`${label}: ${out.connections} connections, ${(out.rssPerConnectionBytes / 1024).toFixed(2)} KiB each, fd limit ${out.serverFdLimits.join('/')}`);
        runs.push(out);
      }
      results.idle.push({ scenario: s.name, runs });
      return;
    }
    case 'fanout': {
      const runs: FanoutResult[] = [];
      for (let rep = 0; rep < plan.reps; rep++) {
        const order = s.targets.map((_, i) => s.targets[(i + rep) % s.targets.length]!);
        for (const target of order) {
          const label = `${s.name} ${target} (${rep + 1}/${plan.reps})`;
          const r = await runFanout(
            {
              target,
              clients: s.clients,
              rate: s.rate,
              bodyBytes: plan.bodyBytes,
              warmupMs: plan.warmupMs,
              measureMs: plan.measureMs,
              maxServerRssBytes: MAX_SERVER_RSS_BYTES,
              // two readers for 10,000 sockets: one process alone can be the one that cannot keep up
              loadgenWorkers: Math.max(plan.loadgenWorkers, Math.ceil(s.clients / 7_500)),
            },
            {
              redisUrl: redis.url,
              publisher,
              topic: 'transactions',
              redisPid,
              progress,
              label,
              ...(serverNodeFlags ? { serverNodeFlags } : {}),
            },
          );
          log(
            `${label}: ${Math.round(r.deliveriesPerSecond).toLocaleString('en-US')}/s of ${r.offeredPerSecond.toLocaleString('en-US')}, ` +
              `p50 ${r.latencyMs.p50.toFixed(1)} p99 ${r.latencyMs.p99.toFixed(1)} ms, server ${r.usage.server.cpuCores.toFixed(2)} cores` +
              `${r.aborted ? `, ABORTED ${r.aborted}` : ''}`,
          );
          runs.push(r);
        }
      }
      results.fanout.push({ scenario: s.name, runs });
      return;
    }
    case 'ingest': {
      const rig = await startIngestRig(redis.url, redisPid, serverNodeFlags);
      const flatOut: IngestResult[] = [];
      const paced: IngestResult[] = [];
      try {
        for (let rep = 0; rep < plan.reps; rep++) {
          const f = await rig.run({ rate: 0, count: s.flatOutCount }, progress, `ingest flat out (${rep + 1}/${plan.reps})`);
          log(`ingest flat out: ${Math.round(f.publishedPerSecond).toLocaleString('en-US')} tx/s published (sender ${Math.round(f.senderPerSecond).toLocaleString('en-US')}/s)`);
          flatOut.push(f);
          const p = await rig.run({ rate: s.pacedRate, count: s.pacedRate * s.pacedSeconds }, progress, `ingest ${s.pacedRate} tx/s (${rep + 1}/${plan.reps})`);
          log(`ingest ${s.pacedRate} tx/s: p50 ${p.latencyMs.p50.toFixed(2)} p99 ${p.latencyMs.p99.toFixed(2)} ms`);
          paced.push(p);
        }
      } finally {
        await rig.close();
      }
      results.ingest = { flatOut, paced };
      return;
    }
    case 'recovery': {
      const r = await runRecovery(
        { historyMessages: s.historyMessages, resumingClients: s.resumingClients, pageSize: s.pageSize, recentMessages: s.recentMessages, bodyBytes: plan.bodyBytes },
        { redisUrl: redis.url, redisPid, publisher, progress, label: s.name },
      );
      for (const e of r.edge) {
        log(`recovery via edge (${e.source}): ${e.recovered}/${e.resumingClients} clients, ${Math.round(e.messagesPerSecond).toLocaleString('en-US')} messages/s replayed`);
      }
      log(`recovery, bus history directly: ${Math.round(r.busHistory.messagesPerSecond).toLocaleString('en-US')} messages/s`);
      results.recovery.push(r);
      return;
    }
    case 'shards': {
      const r = await runShards(
        { count: s.count, window: s.window, bodyBytes: plan.bodyBytes, shardCounts: s.shardCounts, txsPartitions: s.txsPartitions, publishers: s.publishers },
        { progress, label: s.name },
      );
      for (const p of r.points) {
        log(
          `${s.name} ${p.shards} shard(s): ${Math.round(p.publishedPerSecond).toLocaleString('en-US')} msg/s published, p99 ${p.latencyMs.p99.toFixed(1)} ms, ` +
            `shard CPU ${p.shardCpuCores.map((c) => c.toFixed(2)).join('/')} cores, capacity ${Math.round(p.capacityPerSecond).toLocaleString('en-US')} msg/s`,
        );
      }
      log(`${s.name}: throughput ×${r.throughputRatio.toFixed(2)}, Redis capacity ×${r.capacityRatio.toFixed(2)}, p99 ×${r.p99Ratio.toFixed(2)}`);
      results.shards.push(r);
      progress.done();
      return;
    }
    case 'redis-fanout': {
      const r = await runRedisFanout(
        { rate: s.rate, subscriberCounts: s.subscriberCounts, measureMs: plan.measureMs, bodyBytes: plan.bodyBytes },
        { redisUrl: redis.url, redisPid, publisher, progress, label: s.name },
      );
      log(`redis-edges: ${r.publishMicros.toFixed(1)} µs Redis CPU per publish, ${r.deliveryMicros.toFixed(2)} µs per delivery to an edge`);
      results.redisFanout.push(r);
      return;
    }
  }
}

/** The redis-server's pid when it runs on this machine (its CPU and RSS are then reported), else -1. */
async function localRedisPid(url: string): Promise<number> {
  const info = String(await redisCommand(url, ['INFO', 'server']));
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1] ?? -1);
  try {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('redis') ? pid : -1;
  } catch {
    return -1; // a container or another host: its pid is not ours to read
  }
}
