// Idle connections: how many subscribed, silent connections the servers hold, and what each costs in RSS. Several
// edges may share one port (uWS listens with SO_REUSEPORT), which is how one machine goes past one process's fd limit.
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startEdgeProcess, type EdgeProcess } from '../edge-process.js';
import { forkTs, nextMessage, stopChild } from '../fork-ts.js';
import { freePort } from '@chainfan/testkit';
import { Loadgen, type OpenResult } from '../loadgen.js';
import type { PeerReport } from '../peers/peer-process.js';
import { maxOpenFiles, openFds, sampleProc, slabBytes } from '../proc-stats.js';
import type { ProgressBar } from '../progress.js';

export interface IdleParams {
  readonly target: 'chainfan' | 'uws';
  /** server processes sharing one port */
  readonly servers: number;
  readonly clients: number;
  /** every client subscribes to this (silent) topic, so the cost includes one subscription */
  readonly topic: string;
}

export interface IdleResult {
  readonly target: 'chainfan' | 'uws';
  readonly servers: number;
  readonly attempted: number;
  readonly connections: number;
  readonly failures: readonly string[];
  /** soft RLIMIT_NOFILE of each server process, as /proc/<pid>/limits reports it */
  readonly serverFdLimits: readonly number[];
  /** open fds per server after connecting (one per client socket plus the process's own) */
  readonly serverFds: readonly number[];
  readonly rssBeforeBytes: number;
  readonly rssAfterBytes: number;
  /** (RSS with all clients − RSS before any) / connections */
  readonly rssPerConnectionBytes: number;
  /** the same over the second half of the clients only: the cost of one more connection on a warm server */
  readonly marginalRssPerConnectionBytes: number;
  /**
   * Growth of the kernel's slab memory per connection, both ends together (client and server socket, file, epoll
   * entry on loopback): an estimate of what a connection costs the kernel outside any RSS. Machine-wide, so noisy.
   */
  readonly kernelSlabPerConnectionBytes: number;
  readonly loadgenWorkers: number;
  readonly connectSeconds: number;
}

/** Connected and closed before the baseline is taken. */
const WARM_UP_CLIENTS = 2_000;

/** Servers measured for RSS get a full GC on SIGUSR2 (gc-preload.ts) before each sample. */
const GC_FLAGS = ['--expose-gc', '--import', fileURLToPath(new URL('../gc-preload.ts', import.meta.url))];

interface Server {
  readonly pid: number;
  stop(): Promise<void>;
}

async function startServers(p: IdleParams, redisUrl: string, port: number): Promise<Server[]> {
  const servers: Server[] = [];
  for (let i = 0; i < p.servers; i++) {
    if (p.target === 'chainfan') {
      const e: EdgeProcess = await startEdgeProcess({ redisUrl, port, nodeFlags: GC_FLAGS });
      servers.push({ pid: e.pid, stop: () => e.stop() });
    } else {
      const child = forkTs('./peers/peer-process.ts', { args: ['uws'], env: { PEER_PORT: String(port) }, nodeFlags: GC_FLAGS });
      await nextMessage<PeerReport, number>(child, (m) => (m.type === 'listening' ? m.port : undefined), 30_000, 'uws peer');
      servers.push({ pid: child.pid ?? -1, stop: () => stopChild(child) });
    }
  }
  return servers;
}

/** Summed RSS of the servers after a full GC in each. */
async function settledRss(servers: readonly Server[]): Promise<number> {
  for (const s of servers) process.kill(s.pid, 'SIGUSR2');
  await sleep(1_000);
  return servers.reduce((sum, x) => sum + (sampleProc(x.pid)?.rssBytes ?? 0), 0);
}

export async function runIdle(p: IdleParams, env: { readonly redisUrl: string; readonly progress: ProgressBar; readonly label: string }): Promise<IdleResult> {
  const port = await freePort();
  const servers = await startServers(p, env.redisUrl, port);
  // the clients come in two halves from separate loadgens: the second half's RSS slope is the marginal cost of a
  // connection, the whole delta the average over all of them
  const half = Math.floor(p.clients / 2);
  const protocol = { kind: 'evrmore-rpc', topic: p.topic } as const;
  const halves = [half, p.clients - half].map((clients) => Loadgen.start({ host: '127.0.0.1', port, clients, protocol, maxPerWorker: 12_500 }));
  try {
    // a warmed-up server: connections opened and closed once, so JIT code, pools and V8's young generation have
    // grown to their working size before the baseline (otherwise that one-time growth is billed to the connections)
    const warm = Loadgen.start({ host: '127.0.0.1', port, clients: WARM_UP_CLIENTS, protocol, maxPerWorker: 12_500 });
    await warm.open(60_000).finally(() => warm.close());
    await sleep(1_000);
    const rssBefore = await settledRss(servers);
    const slabBefore = slabBytes() ?? NaN;
    const t0 = performance.now();
    const opened = [];
    const rss: number[] = [];
    let done = 0;
    for (const lg of halves) {
      const opening = lg.open(300_000);
      const ticker = setInterval(() => {
        const pr = lg.progress();
        env.progress.update((done + pr.attempted) / p.clients, `${env.label}: ${(done + pr.subscribed).toLocaleString('en-US')} connected, ${pr.failed} failed`);
      }, 250);
      const o = await opening.finally(() => clearInterval(ticker));
      done += o.subscribed + o.failed;
      opened.push(o);
      rss.push(await settledRss(servers));
    }
    const connectSeconds = (performance.now() - t0) / 1000;
    const slabAfter = slabBytes() ?? NaN;
    const [first, second] = opened as [OpenResult, OpenResult];
    const [rssHalf, rssAfter] = rss as [number, number];
    const connections = first.subscribed + second.subscribed;
    return {
      target: p.target,
      servers: p.servers,
      attempted: p.clients,
      connections,
      failures: [...first.failures, ...second.failures].map((f) => `${f.count}× ${f.reason}`),
      serverFdLimits: servers.map((s) => maxOpenFiles(s.pid) ?? NaN),
      serverFds: servers.map((s) => openFds(s.pid) ?? NaN),
      rssBeforeBytes: rssBefore,
      rssAfterBytes: rssAfter,
      rssPerConnectionBytes: connections > 0 ? (rssAfter - rssBefore) / connections : NaN,
      marginalRssPerConnectionBytes: second.subscribed > 0 ? (rssAfter - rssHalf) / second.subscribed : NaN,
      kernelSlabPerConnectionBytes: connections > 0 ? (slabAfter - slabBefore) / connections : NaN,
      loadgenWorkers: halves.reduce((s, l) => s + l.workerCount, 0),
      connectSeconds,
    };
  } finally {
    env.progress.done();
    for (const lg of halves) await lg.close();
    for (const s of servers) await s.stop();
  }
}
