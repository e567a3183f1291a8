// Ingest: one ingestor process decoding real rawtx notifications from a ZMQ PUB and publishing them through Redis —
// flat out (throughput), then paced at a fixed rate (latency from ZMQ receive to Redis's confirmation).
import { setTimeout as sleep } from 'node:timers/promises';
import { INGESTOR_NODE_FLAGS } from '@chainfan/ingestor';
import { forkTs, nextMessage, stopChild } from '../fork-ts.js';
import { LatencyHistogram, type LatencySummary } from '../histogram.js';
import type { IngestorCommand, IngestorReport, SenderCommand, SenderReport } from '../ingest/ingest-protocol.js';
import type { ProgressBar } from '../progress.js';
import { type GroupUsage, ProcWatch } from '../proc-watch.js';

export interface IngestParams {
  /** 0: as fast as the sender can */
  readonly rate: number;
  readonly count: number;
}

export interface IngestResult {
  readonly rate: number;
  readonly sent: number;
  readonly senderPerSecond: number;
  readonly published: number;
  /** published transactions per second over first receive → last confirmation */
  readonly publishedPerSecond: number;
  readonly latencyMs: LatencySummary;
  readonly zmqGaps: number;
  readonly publishErrors: number;
  readonly usage: Readonly<Record<'ingestor' | 'redis' | 'sender', GroupUsage>>;
  readonly otherCores: number;
}

export interface IngestRig {
  run(p: IngestParams, progress: ProgressBar, label: string): Promise<IngestResult>;
  close(): Promise<void>;
}

/** Starts the sender and the ingestor and waits until ZMQ delivers (the slow-joiner problem). */
/** `nodeFlags` go to the ingestor process (e.g. --cpu-prof). */
export async function startIngestRig(redisUrl: string, redisPid: number, nodeFlags?: readonly string[]): Promise<IngestRig> {
  const sender = forkTs('./ingest/zmq-sender-process.ts');
  const node = await nextMessage<SenderReport, Extract<SenderReport, { type: 'ready' }>>(sender, (m) => (m.type === 'ready' ? m : undefined), 60_000, 'zmq sender');
  const ingestor = forkTs('./ingest/ingest-process.ts', {
    env: { INGEST_REDIS_URL: redisUrl, INGEST_ZMQ_ENDPOINT: node.endpoint, INGEST_RPC_URL: node.rpcUrl },
    nodeFlags: [...INGESTOR_NODE_FLAGS, ...(nodeFlags ?? [])], // as deployed (deploy/docker/ingestor.Dockerfile)
  });
  await nextMessage<IngestorReport, true>(ingestor, (m) => (m.type === 'ready' ? true : undefined), 60_000, 'ingestor');
  let lockTime = 1;
  let published = 0;
  ingestor.on('message', (m: IngestorReport) => {
    if (m.type === 'progress') published = m.published;
  });
  const sendTxs = (count: number, rate: number): Promise<{ count: number; wallMs: number }> => {
    const done = nextMessage<SenderReport, { count: number; wallMs: number }>(sender, (m) => (m.type === 'sent' ? m : undefined), 600_000, 'zmq sender');
    sender.send({ type: 'send', count, rate, firstLockTime: lockTime } satisfies SenderCommand);
    lockTime += count;
    return done;
  };
  // until the SUB socket has joined, PUB drops everything: send small batches until some arrive
  for (let i = 0; published === 0; i++) {
    if (i > 100) throw new Error('ingestor received nothing over ZMQ');
    await sendTxs(10, 0);
    await sleep(100);
  }
  const cmd = (c: IngestorCommand): void => void ingestor.send(c);
  return {
    async run(p, progress, label) {
      const watch = new ProcWatch({ ingestor: [ingestor.pid ?? -1], redis: [redisPid], sender: [sender.pid ?? -1] });
      const started = nextMessage<IngestorReport, true>(ingestor, (m) => (m.type === 'started' ? true : undefined), 60_000, 'ingestor');
      cmd({ type: 'measure-start' });
      await started;
      published = 0; // progress reports from here on count from the reset
      watch.begin();
      const ticker = setInterval(() => progress.update(published / p.count, `${label}: ${published.toLocaleString('en-US')} published`), 250);
      const sent = await sendTxs(p.count, p.rate);
      const measured = nextMessage<IngestorReport, Extract<IngestorReport, { type: 'measured' }>>(ingestor, (m) => (m.type === 'measured' ? m : undefined), 120_000, 'ingestor');
      // the ingestor answers once everything received so far is confirmed; give the last frames time to arrive
      const deadline = performance.now() + 30_000;
      while (published < p.count && performance.now() < deadline) await sleep(50);
      cmd({ type: 'measure-stop' });
      const r = await measured.finally(() => clearInterval(ticker));
      progress.done();
      const usage = watch.end();
      const h = new LatencyHistogram();
      h.merge(r.histogram);
      return {
        rate: p.rate,
        sent: sent.count,
        senderPerSecond: (sent.count * 1000) / sent.wallMs,
        published: r.published,
        publishedPerSecond: r.spanMs > 0 ? (r.published * 1000) / r.spanMs : 0,
        latencyMs: h.summary(),
        zmqGaps: r.zmqGaps,
        publishErrors: r.publishErrors,
        usage: { ingestor: usage.groups['ingestor']!, redis: usage.groups['redis']!, sender: usage.groups['sender']! },
        otherCores: usage.otherCores,
      };
    },
    async close() {
      await stopChild(ingestor);
      await stopChild(sender);
    },
  };
}
