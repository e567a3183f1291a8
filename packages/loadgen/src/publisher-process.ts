// Entry of the bench publisher process: publishes stamped transaction messages through RedisBus (the ingestor's own
// atomic publish: sequence, history append, PUBLISH) at a paced rate, or a fixed count as fast as Redis takes them.
import { RedisBus } from '@chainfan/bus';
import { BenchBodies, hrNowMs, txidOf } from './bench-message.js';
import { type PacerHandle, startPacer } from './pacer.js';

export type PublisherCommand =
  | { readonly type: 'publish'; readonly rate: number; readonly bodyBytes: number }
  | { readonly type: 'stop' }
  /** publish `count` messages back to back (≤ maxInFlight outstanding), for history-replay runs */
  | { readonly type: 'fill'; readonly count: number; readonly bodyBytes: number };

export type PublisherReport =
  | { readonly type: 'ready' }
  | { readonly type: 'published'; readonly sent: number; readonly failed: number; readonly behind: number; readonly overflow: number; readonly wallMs: number };

/** Publishes outstanding at once; beyond it the pacer's message is counted as overflow, not queued. */
const MAX_IN_FLIGHT = 20_000;

const url = process.env['PUBLISHER_REDIS_URL'];
if (url === undefined) throw new Error('PUBLISHER_REDIS_URL is required');
const historyMaxLen = Number(process.env['PUBLISHER_HISTORY_MAX_LEN'] ?? 10_000);
const bus = new RedisBus({ url, historyMaxLen });
await bus.ready(10_000);

let inFlight = 0;
let failed = 0;
let overflow = 0;
let pacer: PacerHandle | undefined;
let t0 = 0;
let settled: (() => void) | undefined;

/** `stampMs`: the message's due time on the schedule, so a publisher that falls behind shows up as latency. */
function publishOne(bodies: BenchBodies, i: number, stampMs: number): void {
  if (inFlight >= MAX_IN_FLIGHT) {
    overflow++;
    return;
  }
  inFlight++;
  bus
    .publish({ channel: 'txs', kind: 'tx', ts: Date.now(), keys: { tx: txidOf(i) }, body: bodies.body(i, stampMs) })
    .catch(() => {
      failed++; // counted and reported to the bench; a failed publish is a visible shortfall in its numbers
    })
    .finally(() => {
      inFlight--;
      if (inFlight === 0) settled?.();
    });
}

function idle(): Promise<void> {
  if (inFlight === 0) return Promise.resolve();
  return new Promise((r) => (settled = r));
}

const send = (r: PublisherReport): void => void process.send?.(r);

process.on('message', (cmd: PublisherCommand) => {
  switch (cmd.type) {
    case 'publish': {
      const bodies = new BenchBodies(cmd.bodyBytes);
      failed = 0;
      overflow = 0;
      t0 = performance.now();
      pacer = startPacer(cmd.rate, (i, due) => publishOne(bodies, i, due));
      return;
    }
    case 'stop': {
      const p = pacer;
      pacer = undefined;
      p?.stop();
      const behind = p?.behind ?? 0;
      void idle().then(() => send({ type: 'published', sent: p?.sent ?? 0, failed, behind, overflow, wallMs: performance.now() - t0 }));
      return;
    }
    case 'fill': {
      const bodies = new BenchBodies(cmd.bodyBytes);
      failed = 0;
      overflow = 0;
      t0 = performance.now();
      let i = 0;
      const pump = (): void => {
        while (i < cmd.count && inFlight < 1_000) publishOne(bodies, i++, hrNowMs());
        if (i < cmd.count) setImmediate(pump);
        else void idle().then(() => send({ type: 'published', sent: i, failed, behind: 0, overflow, wallMs: performance.now() - t0 }));
      };
      pump();
      return;
    }
  }
});

const stop = (): void => {
  pacer?.stop();
  void bus.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('disconnect', stop);
send({ type: 'ready' });
