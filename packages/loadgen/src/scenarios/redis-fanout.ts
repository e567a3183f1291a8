// Redis as the fan-out to edges: its CPU per published message (atomic publish: sequence, XADD, PUBLISH) and per
// delivery to each subscribed edge, from runs with 0 and N subscribed edge stand-ins. The capacity model in
// docs/performance.md divides a core by these costs.
import { setTimeout as sleep } from 'node:timers/promises';
import { forkTs, nextMessage, stopChild } from '../fork-ts.js';
import type { ProgressBar } from '../progress.js';
import { ProcWatch } from '../proc-watch.js';
import type { Publisher } from '../targets.js';

export interface RedisFanoutParams {
  readonly rate: number;
  readonly subscriberCounts: readonly number[];
  readonly measureMs: number;
  readonly bodyBytes: number;
}

export interface RedisFanoutPoint {
  readonly subscribers: number;
  readonly rate: number;
  readonly published: number;
  readonly deliveredPerSecond: number;
  readonly redisCpuCores: number;
}

export interface RedisFanoutResult {
  readonly points: readonly RedisFanoutPoint[];
  /** Redis CPU µs per published message, subscribers aside (from the 0-subscriber run) */
  readonly publishMicros: number;
  /** Redis CPU µs per message per subscribed edge (slope over the runs) */
  readonly deliveryMicros: number;
}

export async function runRedisFanout(
  p: RedisFanoutParams,
  env: { readonly redisUrl: string; readonly redisPid: number; readonly publisher: Publisher; readonly progress: ProgressBar; readonly label: string },
): Promise<RedisFanoutResult> {
  const points: RedisFanoutPoint[] = [];
  for (const [i, n] of p.subscriberCounts.entries()) {
    env.progress.update(i / p.subscriberCounts.length, `${env.label}: ${n} subscribed edges`);
    const subs = forkTs('./scenarios/redis-subscribers-process.ts', { env: { SUBSCRIBERS_REDIS_URL: env.redisUrl, SUBSCRIBERS_COUNT: String(n) } });
    try {
      await nextMessage<{ type: string }, true>(subs, (m) => (m.type === 'ready' ? true : undefined), 60_000, 'redis subscribers');
      const count = async (): Promise<number> => {
        const a = nextMessage<{ type: string; received?: number }, number>(subs, (m) => (m.type === 'count' ? (m.received ?? 0) : undefined), 10_000, 'count');
        subs.send({ type: 'count' });
        return a;
      };
      env.publisher.publish(p.rate, p.bodyBytes);
      await sleep(1_000);
      const watch = new ProcWatch({ redis: [env.redisPid] });
      const c0 = await count();
      watch.begin();
      const t0 = performance.now();
      await sleep(p.measureMs);
      const usage = watch.end();
      const c1 = await count();
      const wall = (performance.now() - t0) / 1000;
      const pub = await env.publisher.stop();
      points.push({ subscribers: n, rate: p.rate, published: pub.sent, deliveredPerSecond: (c1 - c0) / wall, redisCpuCores: usage.groups['redis']!.cpuCores });
    } finally {
      await stopChild(subs);
    }
  }
  env.progress.done();
  const base = points.find((x) => x.subscribers === 0);
  const publishMicros = base === undefined ? NaN : (base.redisCpuCores / base.rate) * 1e6;
  // least-squares slope of CPU over deliveries offered (rate × subscribers)
  const xs = points.map((x) => x.rate * x.subscribers);
  const ys = points.map((x) => x.redisCpuCores);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const sxy = xs.reduce((a, x, k) => a + (x - mx) * (ys[k]! - my), 0);
  return { points, publishMicros, deliveryMicros: sxx > 0 ? (sxy / sxx) * 1e6 : NaN };
}
