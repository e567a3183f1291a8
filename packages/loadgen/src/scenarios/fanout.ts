// One fan-out run: N subscribed clients on one target, messages at a fixed rate, a warm-up, then a timed window in
// which the loadgen counts deliveries and latencies while /proc says what each process spent.
import { setTimeout as sleep } from 'node:timers/promises';
import type { LatencySummary } from '../histogram.js';
import { Loadgen } from '../loadgen.js';
import type { ProgressBar } from '../progress.js';
import { type GroupUsage, ProcWatch } from '../proc-watch.js';
import { startTarget, type PublishOutcome, type TargetContext, type TargetName } from '../targets.js';

export interface FanoutParams {
  readonly target: TargetName;
  readonly clients: number;
  /** messages per second published */
  readonly rate: number;
  readonly bodyBytes: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** a server above this RSS ends the run early (a fan-out that buffers without bound would exhaust the machine) */
  readonly maxServerRssBytes: number;
  /** loadgen worker processes, at least */
  readonly loadgenWorkers: number;
}

export interface FanoutResult {
  readonly target: TargetName;
  readonly clients: number;
  readonly rate: number;
  readonly subscribed: number;
  readonly openFailures: number;
  readonly deliveriesPerSecond: number;
  /** subscribed × rate: what a server that keeps up delivers */
  readonly offeredPerSecond: number;
  readonly latencyMs: LatencySummary;
  readonly dropped: number;
  readonly failureReasons: readonly string[];
  readonly publish: PublishOutcome;
  readonly usage: Readonly<Record<'server' | 'redis' | 'publisher' | 'loadgen', GroupUsage>>;
  readonly loadgenWorkers: number;
  /** CPU used on the machine by processes outside this run (other people's work on a shared machine) */
  readonly otherCores: number;
  readonly measuredMs: number;
  /** why the run ended before its window, if it did */
  readonly aborted?: string;
}

export interface FanoutEnv extends TargetContext {
  readonly redisPid: number;
  readonly progress: ProgressBar;
  readonly label: string;
}

export async function runFanout(p: FanoutParams, env: FanoutEnv): Promise<FanoutResult> {
  const target = await startTarget(p.target, env);
  const lg = Loadgen.start({ host: '127.0.0.1', port: target.port, clients: p.clients, protocol: target.protocol, workers: p.loadgenWorkers });
  try {
    const opening = lg.open();
    const ticker = setInterval(() => {
      const pr = lg.progress();
      env.progress.update(pr.attempted / p.clients / 4, `${env.label}: connecting ${pr.subscribed}/${p.clients}`);
    }, 250);
    const opened = await opening.finally(() => clearInterval(ticker));

    const watch = new ProcWatch({
      server: target.serverPids,
      redis: target.sourcePid === undefined ? [] : [env.redisPid],
      publisher: target.sourcePid === undefined ? [] : [target.sourcePid],
      loadgen: lg.pids,
    });
    target.startPublishing(p.rate, p.bodyBytes);
    let aborted: string | undefined;
    const guard = (): boolean => {
      const rss = watch.sample().get('server') ?? 0;
      if (rss > p.maxServerRssBytes) aborted = `server RSS ${(rss / 2 ** 30).toFixed(1)} GiB > limit`;
      return aborted !== undefined;
    };
    const total = p.warmupMs + p.measureMs;
    const t0 = performance.now();
    const wait = async (untilMs: number, phase: string): Promise<void> => {
      while (performance.now() - t0 < untilMs && !guard()) {
        const pr = lg.progress();
        env.progress.update(0.25 + (0.75 * (performance.now() - t0)) / total, `${env.label}: ${phase}, ${pr.subscribed} clients, ${pr.deliveries.toLocaleString('en-US')} received`);
        await sleep(250);
      }
    };
    await wait(p.warmupMs, 'warm-up');
    watch.begin();
    await lg.startMeasure();
    const m0 = performance.now();
    if (aborted === undefined) await wait(total, 'measuring');
    const measuredMs = performance.now() - m0;
    const usage = watch.end();
    const m = await lg.stopMeasure();
    const publish = await target.stopPublishing();
    return {
      target: p.target,
      clients: p.clients,
      rate: p.rate,
      subscribed: opened.subscribed,
      openFailures: opened.failed,
      deliveriesPerSecond: m.deliveriesPerSecond,
      offeredPerSecond: opened.subscribed * p.rate,
      latencyMs: m.latencyMs,
      dropped: m.dropped,
      failureReasons: [...opened.failures, ...m.failures].map((f) => `${f.count}× ${f.reason}`),
      publish,
      usage: { server: usage.groups['server']!, redis: usage.groups['redis']!, publisher: usage.groups['publisher']!, loadgen: usage.groups['loadgen']! },
      loadgenWorkers: lg.workerCount,
      otherCores: usage.otherCores,
      measuredMs,
      ...(aborted === undefined ? {} : { aborted }),
    };
  } finally {
    env.progress.done();
    await lg.close();
    await target.stop();
  }
}
