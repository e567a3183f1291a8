import { describe, expect, it } from 'vitest';
import { type BenchResults, median, renderMarkdown, summarizeFanout, verdicts } from './report.js';
import type { FanoutResult } from './scenarios/fanout.js';
import type { TargetName } from './targets.js';

const usage = (cores: number) => ({ cpuCores: cores, maxProcessCpuCores: cores, rssBytes: 100 * 2 ** 20, peakRssBytes: 120 * 2 ** 20 });

function run(target: TargetName, dps: number, p99: number, clients = 1_000, rate = 1_000): FanoutResult {
  return {
    target, clients, rate, subscribed: clients, openFailures: 0, deliveriesPerSecond: dps, offeredPerSecond: clients * rate,
    latencyMs: { count: 1, min: 1, p50: p99 / 4, p90: p99 / 2, p99, max: p99 * 2, mean: p99 / 3 },
    dropped: 0, failureReasons: [], publish: { sent: 1, failed: 0, behind: 0 },
    usage: { server: usage(0.9), redis: usage(0.05), publisher: usage(0.1), loadgen: usage(0.5) },
    loadgenWorkers: 1, otherCores: 0.1, measuredMs: 4_000,
  };
}

function results(fanout: BenchResults['fanout']): BenchResults {
  return {
    startedAt: 'now', finishedAt: 'later', args: [], reps: 3, bodyBytes: 256,
    machine: { cpus: 2, cpuModel: 'test', memoryBytes: 2 ** 34, node: 'v20', kernel: '6', fdLimit: 20_000 },
    fanout, idle: [], ingest: undefined, recovery: [], redisFanout: [], errors: [],
  };
}

describe('report', () => {
  it('takes medians, ignoring NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5])).toBe(5);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  it('summarises each target over its repetitions', () => {
    const s = summarizeFanout('fanout-1k-1000', [run('uws', 900_000, 40), run('uws', 1_000_000, 50), run('uws', 800_000, 60)]);
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ target: 'uws', runs: 3, deliveriesPerSecond: 900_000, deliveriesRange: [800_000, 1_000_000], p99: 50 });
  });

  it('judges the targets as ratios within the run', () => {
    const fan = summarizeFanout('fanout-1k-1000', [
      run('uws', 1_000_000, 50), run('chainfan', 950_000, 80), run('ws-redis', 80_000, 900), run('socketio-redis', 120_000, 900),
    ]);
    const v = verdicts(results([]), fan);
    const by = (prefix: string) => v.find((x) => x.target.startsWith(prefix))!;
    expect(by('chainfan deliveries/s vs raw uWS').pass).toBe(true);
    expect(by('chainfan p99').pass).toBe(true);
    expect(by('chainfan vs ws')).toMatchObject({ target: 'chainfan vs ws + ioredis sustained deliveries/s (1,000 × 1,000)', pass: true });
    expect(by('chainfan vs Socket.IO').pass).toBe(false);
    expect(by('chainfan vs Socket.IO').measured).toContain('at most 8.33× possible'); // 1M/s offered over 120k/s
    // at saturation (both sides one frame per message) the capacity decides, not the offered load
    const saturated = [...fan, ...summarizeFanout('fanout-10k-1000', [run('chainfan', 2_600_000, 3_000, 10_000), run('socketio-redis', 200_000, 4_000, 10_000)])];
    expect(verdicts(results([]), saturated).find((x) => x.target.startsWith('chainfan vs Socket.IO'))).toMatchObject({
      target: 'chainfan vs Socket.IO sustained deliveries/s (10,000 × 1,000, saturated)', measured: '13.00× (2,600,000 vs 200,000 deliveries/s)', pass: true,
    });
    expect(by('batched chainfan vs').pass).toBeUndefined();
    expect(by('RSS per idle').pass).toBeUndefined();
  });

  it('renders the targets and one fan-out row per target with its ratio to the ceiling', () => {
    const md = renderMarkdown(results([{ scenario: 'fanout-1k-1000', runs: [run('uws', 1_000_000, 50), run('chainfan', 500_000, 80)] }]));
    expect(md).toContain('| chainfan deliveries/s vs raw uWS, 1,000 clients × 1,000 msg/s | 0.50× (500,000 vs 1,000,000 deliveries/s) | ≥ 0.9× | **miss** |');
    expect(md).toMatch(/\| fanout-1k-1000 \| chainfan edge \| 500,000 .*\| 0\.50× \|/);
    expect(md).toMatch(/\| fanout-1k-1000 \| raw uWS in-process \(ceiling\) \| 1,000,000 .*\| 1\.00× \|/);
  });
});
