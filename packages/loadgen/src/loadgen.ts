// The loadgen coordinator: forks worker processes (≤ maxPerWorker sockets each, each from its own 127.x source
// address), opens N subscribed connections, runs timed measurement windows and merges what the workers counted.
import type { ChildProcess } from 'node:child_process';
import type { ProtocolSpec } from './client-protocols.js';
import { forkTs, nextMessage, stopChild } from './fork-ts.js';
import { LatencyHistogram, type LatencySummary } from './histogram.js';
import type { FailureCount, WorkerCommand, WorkerReport } from './load-worker-protocol.js';

export interface LoadgenOptions {
  readonly host: string;
  readonly port: number;
  readonly clients: number;
  readonly protocol: ProtocolSpec;
  /** at least this many worker processes (more when clients / maxPerWorker needs them); default 1 */
  readonly workers?: number;
  /** default 15,000: below the 20,000 fds a process may hold here, with room for the rest */
  readonly maxPerWorker?: number;
  /** handshakes in flight per worker; default 200 */
  readonly concurrency?: number;
  readonly subscribeTimeoutMs?: number;
}

export interface OpenResult {
  readonly subscribed: number;
  readonly failed: number;
  readonly failures: readonly FailureCount[];
  readonly wallMs: number;
}

export interface MeasureResult {
  readonly deliveries: number;
  readonly deliveriesPerSecond: number;
  readonly latencyMs: LatencySummary;
  /** subscribed connections that ended during the window */
  readonly dropped: number;
  readonly failures: readonly FailureCount[];
  readonly wallMs: number;
}

export interface LoadgenProgress {
  readonly attempted: number;
  readonly subscribed: number;
  readonly failed: number;
  readonly dropped: number;
  readonly deliveries: number;
}

/** Source addresses rotate between Loadgen instances so ports left in TIME_WAIT by the previous run never collide. */
let addressBlock = 0;

export class Loadgen {
  readonly #o: LoadgenOptions;
  readonly #workers: ChildProcess[];
  readonly #shares: number[];
  readonly #addresses: string[];
  readonly #progress: LoadgenProgress[];
  #closed: Promise<void> | undefined;

  private constructor(o: LoadgenOptions, workers: ChildProcess[], shares: number[], addresses: string[]) {
    this.#o = o;
    this.#workers = workers;
    this.#shares = shares;
    this.#addresses = addresses;
    this.#progress = workers.map(() => ({ attempted: 0, subscribed: 0, failed: 0, dropped: 0, deliveries: 0 }));
    workers.forEach((w, i) =>
      w.on('message', (m: WorkerReport) => {
        if (m.type === 'progress') this.#progress[i] = m;
      }),
    );
  }

  static start(o: LoadgenOptions): Loadgen {
    const perWorker = o.maxPerWorker ?? 15_000;
    const n = Math.max(o.workers ?? 1, Math.ceil(o.clients / perWorker), 1);
    const shares = Array.from({ length: n }, (_, i) => Math.floor(o.clients / n) + (i < o.clients % n ? 1 : 0));
    const block = addressBlock++ % 250;
    const addresses = shares.map((_, i) => `127.${1 + Math.floor(block / 50)}.${block % 50}.${10 + i}`);
    const workers = shares.map(() => forkTs('./load-worker.ts'));
    return new Loadgen(o, workers, shares, addresses);
  }

  get pids(): readonly number[] {
    return this.#workers.map((w) => w.pid ?? -1);
  }

  get workerCount(): number {
    return this.#workers.length;
  }

  /** Sum over workers of their latest progress report (every 500 ms). */
  progress(): LoadgenProgress {
    const p = { attempted: 0, subscribed: 0, failed: 0, dropped: 0, deliveries: 0 };
    for (const w of this.#progress) {
      p.attempted += w.attempted;
      p.subscribed += w.subscribed;
      p.failed += w.failed;
      p.dropped += w.dropped;
      p.deliveries += w.deliveries;
    }
    return p;
  }

  /** Opens and subscribes every client; resolves when each one subscribed or failed. */
  async open(timeoutMs = 120_000): Promise<OpenResult> {
    const t0 = performance.now();
    const answers = this.#workers.map((w, i) => {
      const answer = nextMessage<WorkerReport, Extract<WorkerReport, { type: 'opened' }>>(w, (m) => (m.type === 'opened' ? m : undefined), timeoutMs, 'loadgen open');
      this.#send(w, {
        type: 'open',
        host: this.#o.host,
        port: this.#o.port,
        count: this.#shares[i]!,
        localAddress: this.#addresses[i]!,
        protocol: this.#o.protocol,
        concurrency: this.#o.concurrency ?? 200,
        subscribeTimeoutMs: this.#o.subscribeTimeoutMs ?? 30_000,
      });
      return answer;
    });
    const opened = await Promise.all(answers);
    return {
      subscribed: opened.reduce((s, r) => s + r.subscribed, 0),
      failed: opened.reduce((s, r) => s + r.failed, 0),
      failures: mergeFailures(opened.map((r) => r.failures)),
      wallMs: performance.now() - t0,
    };
  }

  /** Zeroes the workers' counters; resolves once every worker counts from zero. Pair with stopMeasure(). */
  async startMeasure(): Promise<void> {
    await Promise.all(this.#workers.map((w) => {
      const started = nextMessage<WorkerReport, true>(w, (m) => (m.type === 'measure-started' ? true : undefined), 30_000, 'loadgen measure start');
      this.#send(w, { type: 'measure-start' });
      return started;
    }));
  }

  async stopMeasure(): Promise<MeasureResult> {
    const answers = this.#workers.map((w) => {
      const a = nextMessage<WorkerReport, Extract<WorkerReport, { type: 'measured' }>>(w, (m) => (m.type === 'measured' ? m : undefined), 30_000, 'loadgen measure');
      this.#send(w, { type: 'measure-stop' });
      return a;
    });
    const results = await Promise.all(answers);
    const h = new LatencyHistogram();
    for (const r of results) h.merge(r.histogram);
    const deliveries = results.reduce((s, r) => s + r.deliveries, 0);
    return {
      deliveries,
      deliveriesPerSecond: results.reduce((s, r) => s + (r.wallMs > 0 ? (r.deliveries * 1000) / r.wallMs : 0), 0),
      latencyMs: h.summary(),
      dropped: results.reduce((s, r) => s + r.dropped, 0),
      failures: mergeFailures(results.map((r) => r.failures)),
      wallMs: Math.max(...results.map((r) => r.wallMs)),
    };
  }

  /** Closes every connection and ends the workers (forcefully after 5 s). Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.all(
        this.#workers.map(async (w) => {
          if (w.exitCode !== null || w.signalCode !== null) return;
          const gone = new Promise<void>((r) => w.once('exit', () => r()));
          this.#send(w, { type: 'close' });
          const timer = setTimeout(() => void stopChild(w, 1_000), 5_000);
          await gone;
          clearTimeout(timer);
        }),
      );
    })();
    return this.#closed;
  }

  #send(w: ChildProcess, cmd: WorkerCommand): void {
    if (w.connected) w.send(cmd);
  }
}

export function mergeFailures(lists: readonly (readonly FailureCount[])[]): FailureCount[] {
  const m = new Map<string, number>();
  for (const l of lists) for (const f of l) m.set(f.reason, (m.get(f.reason) ?? 0) + f.count);
  return [...m].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count).slice(0, 5);
}
