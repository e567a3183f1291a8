// Recovery: clients resuming from a position. Through the edge (the `since` position): N clients subscribe with a
// position H messages back and get those H replayed before their ack — from the edge's in-memory ring when H is
// recent, from the Redis history stream when it is older. And the raw material: RedisBus.history() pages read by N
// concurrent readers, as an edge does on their behalf.
import { RedisBus } from '@chainfan/bus';
import { startEdgeProcess } from '../edge-process.js';
import { Loadgen } from '../loadgen.js';
import type { ProgressBar } from '../progress.js';
import { ProcWatch, type GroupUsage } from '../proc-watch.js';
import type { Publisher } from '../targets.js';

export interface RecoveryParams {
  /** messages in history (the channel's MAXLEN is 10,000 by default) */
  readonly historyMessages: number;
  /** clients resuming at once */
  readonly resumingClients: number;
  /** bus history page size (one XRANGE round trip) for the direct reads */
  readonly pageSize: number;
  /** how far back the edge's "recent" run resumes: inside its in-memory ring (1,024 by default) */
  readonly recentMessages: number;
  readonly bodyBytes: number;
}

export interface EdgeRecoveryRun {
  /** where the edge finds the missed messages: its ring of recent messages, or the Redis history stream */
  readonly source: 'edge-ring' | 'redis-history';
  readonly resumingClients: number;
  /** messages each client missed and gets replayed */
  readonly missed: number;
  readonly recovered: number;
  readonly failed: number;
  readonly failures: readonly string[];
  readonly replayed: number;
  /** replayed messages per second, over all clients, subscribe to last ack */
  readonly messagesPerSecond: number;
  readonly wallMs: number;
  readonly usage: Readonly<Record<'edge' | 'redis', GroupUsage>>;
}

export interface BusHistoryRun {
  readonly historyMessages: number;
  readonly resumingClients: number;
  readonly pageSize: number;
  readonly replayed: number;
  readonly messagesPerSecond: number;
  /** per reader: time to read its whole window */
  readonly clientReplayMs: { readonly p50: number; readonly max: number };
  readonly usage: Readonly<Record<'reader' | 'redis', GroupUsage>>;
}

export interface RecoveryResult {
  readonly edge: readonly EdgeRecoveryRun[];
  readonly busHistory: BusHistoryRun;
}

interface Env {
  readonly redisUrl: string;
  readonly redisPid: number;
  readonly publisher: Publisher;
  readonly progress: ProgressBar;
  readonly label: string;
}

export async function runRecovery(p: RecoveryParams, env: Env): Promise<RecoveryResult> {
  const bus = new RedisBus({ url: env.redisUrl, historyMaxLen: p.historyMessages });
  try {
    await bus.ready(10_000);
    const edge = await edgeRecovery(p, env, bus);
    const busHistory = await busHistoryReplay(p, env, bus);
    return { edge, busHistory };
  } finally {
    env.progress.done();
    await bus.close();
  }
}

async function edgeRecovery(p: RecoveryParams, env: Env, bus: RedisBus): Promise<EdgeRecoveryRun[]> {
  const edge = await startEdgeProcess({ redisUrl: env.redisUrl, port: 0 });
  // one live subscriber keeps the edge on `txs`, so its ring holds what is published next
  const anchor = Loadgen.start({ host: '127.0.0.1', port: edge.port, clients: 1, protocol: { kind: 'evrmore-rpc', topic: 'transactions' } });
  try {
    await anchor.open(30_000);
    await env.publisher.fill(p.historyMessages, p.bodyBytes);
    const end = await bus.position('txs');
    if (end === undefined) throw new Error('nothing in the txs history after filling it');
    const runs: EdgeRecoveryRun[] = [];
    for (const [source, missed] of [['edge-ring', p.recentMessages], ['redis-history', p.historyMessages - 1]] as const) {
      env.progress.update(runs.length / 2, `${env.label}: ${p.resumingClients} clients resuming ${missed} back (${source})`);
      const lg = Loadgen.start({
        host: '127.0.0.1',
        port: edge.port,
        clients: p.resumingClients,
        concurrency: p.resumingClients,
        protocol: { kind: 'evrmore-rpc', topic: 'transactions', since: { epoch: end.epoch, seq: end.seq - missed } },
      });
      try {
        const watch = new ProcWatch({ edge: [edge.pid], redis: [env.redisPid] });
        await lg.startMeasure();
        watch.begin();
        const opened = await lg.open(120_000);
        const usage = watch.end();
        const m = await lg.stopMeasure();
        runs.push({
          source,
          resumingClients: p.resumingClients,
          missed,
          recovered: opened.subscribed,
          failed: opened.failed,
          failures: opened.failures.map((f) => `${f.count}× ${f.reason}`),
          replayed: m.deliveries,
          messagesPerSecond: opened.wallMs > 0 ? (m.deliveries * 1000) / opened.wallMs : 0,
          wallMs: opened.wallMs,
          usage: { edge: usage.groups['edge']!, redis: usage.groups['redis']! },
        });
      } finally {
        await lg.close();
      }
    }
    return runs;
  } finally {
    await anchor.close();
    await edge.stop();
  }
}

async function busHistoryReplay(p: RecoveryParams, env: Env, bus: RedisBus): Promise<BusHistoryRun> {
  const end = (await bus.position('txs'))?.seq ?? 0;
  const from = Math.max(0, end - p.historyMessages);
  let replayed = 0;
  const replayOne = async (): Promise<number> => {
    const t0 = performance.now();
    let since = from;
    for (;;) {
      const page = await bus.history('txs', since, p.pageSize);
      if (page.messages.length === 0) break;
      replayed += page.messages.length;
      since = page.messages[page.messages.length - 1]!.seq;
      if (since >= end) break;
    }
    return performance.now() - t0;
  };
  const watch = new ProcWatch({ reader: [process.pid], redis: [env.redisPid] });
  const total = p.historyMessages * p.resumingClients;
  const ticker = setInterval(() => env.progress.update(replayed / total, `${env.label}: ${replayed.toLocaleString('en-US')} read from history`), 250);
  watch.begin();
  const t0 = performance.now();
  const times = await Promise.all(Array.from({ length: p.resumingClients }, () => replayOne())).finally(() => clearInterval(ticker));
  const wall = performance.now() - t0;
  const usage = watch.end();
  times.sort((a, b) => a - b);
  return {
    historyMessages: p.historyMessages,
    resumingClients: p.resumingClients,
    pageSize: p.pageSize,
    replayed,
    messagesPerSecond: (replayed * 1000) / wall,
    clientReplayMs: { p50: times[Math.floor(times.length / 2)] ?? NaN, max: times[times.length - 1] ?? NaN },
    usage: { reader: usage.groups['reader']!, redis: usage.groups['redis']! },
  };
}
