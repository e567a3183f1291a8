// A loadgen worker process (forked by Loadgen): opens its share of connections, counts deliveries and latencies, and
// answers the coordinator over IPC. One process holds at most ~15,000 sockets (the fd limit here is 20,000).
import { BenchConnection, type ConnectionObserver } from './bench-connection.js';
import { hrNowMs } from './bench-message.js';
import { protocolFor } from './client-protocols.js';
import { LatencyHistogram } from './histogram.js';
import type { FailureCount, OpenCommand, WorkerCommand, WorkerReport } from './load-worker-protocol.js';

const PROGRESS_EVERY_MS = 500;

class WorkerState implements ConnectionObserver {
  now = 0;
  deliveries = 0;
  measuring = false;
  readonly histogram = new LatencyHistogram();
  attempted = 0;
  nSubscribed = 0;
  nFailed = 0;
  nDropped = 0;
  readonly failures = new Map<string, number>();
  onSettled: () => void = () => undefined;

  stamp(tMs: number): void {
    this.deliveries++;
    if (this.measuring) this.histogram.recordMs(this.now - tMs);
  }

  subscribed(): void {
    this.nSubscribed++;
    this.onSettled();
  }

  failed(_c: BenchConnection, reason: string): void {
    this.nFailed++;
    this.#count(reason);
    this.onSettled();
  }

  dropped(_c: BenchConnection, reason: string): void {
    this.nSubscribed--;
    this.nDropped++;
    this.#count(`dropped: ${reason}`);
  }

  failureList(): FailureCount[] {
    return [...this.failures].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count).slice(0, 5);
  }

  #count(reason: string): void {
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
  }
}

const state = new WorkerState();
const connections: BenchConnection[] = [];
let measureStartedAt = 0;

function send(r: WorkerReport): void {
  process.send?.(r);
}

function open(cmd: OpenCommand): void {
  const t0 = performance.now();
  const protocol = protocolFor(cmd.protocol);
  let inFlight = 0;
  const next = (): void => {
    while (inFlight < cmd.concurrency && state.attempted < cmd.count) {
      state.attempted++;
      inFlight++;
      connections.push(
        new BenchConnection({
          host: cmd.host,
          port: cmd.port,
          ...(cmd.localAddress === undefined ? {} : { localAddress: cmd.localAddress }),
          protocol,
          observer: state,
          clock: hrNowMs,
          subscribeTimeoutMs: cmd.subscribeTimeoutMs,
        }),
      );
    }
    if (inFlight === 0 && state.attempted >= cmd.count) {
      send({ type: 'opened', subscribed: state.nSubscribed, failed: state.nFailed, failures: state.failureList(), wallMs: performance.now() - t0 });
    }
  };
  state.onSettled = () => {
    inFlight--;
    next();
  };
  next();
}

const progress = setInterval(() => {
  send({ type: 'progress', attempted: state.attempted, subscribed: state.nSubscribed, failed: state.nFailed, dropped: state.nDropped, deliveries: state.deliveries });
}, PROGRESS_EVERY_MS);

process.on('message', (raw: WorkerCommand) => {
  switch (raw.type) {
    case 'open':
      open(raw);
      return;
    case 'measure-start':
      state.deliveries = 0;
      state.nDropped = 0;
      state.failures.clear();
      state.histogram.reset();
      state.measuring = true;
      measureStartedAt = performance.now();
      send({ type: 'measure-started' });
      return;
    case 'measure-stop':
      state.measuring = false;
      send({
        type: 'measured',
        deliveries: state.deliveries,
        histogram: state.histogram.toSparse(),
        wallMs: performance.now() - measureStartedAt,
        dropped: state.nDropped,
        failures: state.failureList(),
      });
      return;
    case 'close':
      clearInterval(progress);
      for (const c of connections) c.close();
      send({ type: 'closed' });
      // let the close frames leave, then go; the coordinator kills us if this takes too long
      setTimeout(() => process.exit(0), 300);
      return;
  }
});

// the coordinator died: do not linger holding thousands of sockets
process.on('disconnect', () => process.exit(0));
