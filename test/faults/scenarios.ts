// The fault scenarios, each run on a fresh cluster: what is broken, and how the chain moves meanwhile. Shared by the
// fault suite (npm test, once each, asserted) and `npm run chaos` (repeated, tabled).
import { setTimeout as delay } from 'node:timers/promises';
import { ChainfanClient } from '@chainfan/client/node';
import { type RedisPersistence, redisCommand, waitFor } from '@chainfan/testkit';
import { type Edge, type FaultCluster, judge, type Judgement, type Notice } from './fault-cluster.js';

export interface Scenario {
  readonly name: string;
  /** what the cluster's Redis keeps across a kill; none by default */
  readonly redis?: RedisPersistence;
  /**
   * Breaks something and lets the chain move; resolves when the fault is over (the cluster should now recover).
   * A fault that replaces blocks below the height it started at returns the height to judge from.
   */
  readonly fault: (c: FaultCluster) => Promise<void | { readonly from: number }>;
}

export interface Outcome extends Judgement {
  readonly scenario: string;
  /** from the end of the fault until every client has the node's tip */
  readonly recoveryMs: number;
}

const mine = async (c: FaultCluster, n: number) => {
  for (let i = 0; i < n; i++) await c.sim.mineBlock();
};

/** Kills the leader's or the standby's way: both in the same outage, so the other one must take over. */
async function redisEmpty(c: FaultCluster, survivor: 'standby' | 'leader'): Promise<void> {
  const leader = c.leader()!;
  const standby = c.standby()!;
  await c.standbyCaughtUp();
  await c.redis.kill();
  await (survivor === 'standby' ? leader : standby).stop('SIGKILL');
  await mine(c, 2);
  await c.redis.restart();
}

/** Longer than the lease (1 s): when Redis continues, the lease has expired and leadership is contested. */
const PAUSE_MS = 3_000;

/** A valid address no transaction of the simulated chain pays: a topic that matches nothing. */
const UNUSED_ADDRESS = 'EXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX';

/**
 * A client whose topic matched nothing since an epoch began holds (epoch, 0), the start of that epoch's history.
 * Its edge freezes, Redis loses everything again and a newer epoch begins; then the frozen edge dies and the client
 * resumes from (epoch, 0) at the other edge. It must hear that the epoch is gone, not be counted as recovered.
 */
async function resumeFromEpochStart(c: FaultCluster): Promise<void> {
  const [near, far] = c.edges as [Edge, Edge];
  const idle = new ChainfanClient({ url: [near.url, far.url], reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
  c.clients.push(idle);
  const notices: Notice[] = [];
  idle.on('resync', (n) => notices.push({ reason: n.reason, channel: n.channel, epoch: n.epoch, seq: n.seq }));
  await idle.subscribe(`address:${UNUSED_ADDRESS}`);
  const first = await waitFor(() => idle.position('txs'), { timeoutMs: 10_000, message: 'the idle client has a position' });
  await c.redis.kill();
  await c.redis.restart();
  await mine(c, 1);
  const start = await waitFor(() => {
    const p = idle.position('txs');
    return p !== undefined && p.epoch !== first.epoch ? p : undefined;
  }, { timeoutMs: 30_000, message: 'the idle client hears of the new epoch' });
  if (start.seq !== 0 || !notices.some((n) => n.epoch === start.epoch)) throw new Error(`expected (new epoch, 0) after a notice, got ${JSON.stringify({ start, notices })}`);
  const mark = notices.length;
  const trackerMarks = c.trackers.map((t) => t.notices.length);
  // frozen, the near edge tells the client nothing about what follows; its socket stays open until the kill
  near.proc.child.kill('SIGSTOP');
  try {
    await c.redis.kill();
    await c.redis.restart();
    await mine(c, 2);
    // only the far edge is alive to tell its clients
    await waitFor(() => c.trackers.some((t, i) => t.notices.length > trackerMarks[i]!), { timeoutMs: 30_000, message: 'the newer epoch reached the far edge' });
  } finally {
    await near.proc.stop('SIGKILL');
  }
  await waitFor(() => notices.slice(mark).some((n) => n.channel === 'txs' && n.reason === 'epoch_changed' && n.epoch !== start.epoch), {
    timeoutMs: 30_000,
    message: `the client resuming from (${start.epoch}, 0) hears that the epoch changed`,
  });
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'redis restarted empty, standby wins', fault: (c) => redisEmpty(c, 'standby') },
  { name: 'redis restarted empty, old leader wins', fault: (c) => redisEmpty(c, 'leader') },
  {
    name: 'redis restarted from an older RDB snapshot',
    async fault(c) {
      await c.redisSave();
      await mine(c, 2);
      await c.tipDelivered();
      await c.redis.kill();
      await c.redis.restart();
      await mine(c, 1);
    },
  },
  {
    name: 'leader kill -9',
    async fault(c) {
      await c.leader()!.stop('SIGKILL');
      await mine(c, 2);
    },
  },
  {
    name: 'edge kill -9',
    async fault(c) {
      await c.edges[0]!.proc.stop('SIGKILL');
      await mine(c, 2);
    },
  },
  {
    name: 'zmq drops 30%',
    async fault(c) {
      c.sim.setZmqDropFraction(0.3);
      await mine(c, 5);
      c.sim.setZmqDropFraction(0);
    },
  },
  {
    name: 'reorg depth 3',
    async fault(c) {
      await mine(c, 3);
      await c.tipDelivered();
      await c.sim.reorg(3);
    },
  },
  {
    name: 'redis paused (SIGSTOP) longer than the lease',
    async fault(c) {
      await c.redis.pause();
      try {
        await mine(c, 2);
        await delay(PAUSE_MS); // the fault itself: how long Redis stays frozen
      } finally {
        await c.redis.resume();
      }
    },
  },
  {
    name: 'redis killed, restarted from its AOF (everysec)',
    redis: 'aof',
    async fault(c) {
      await mine(c, 2);
      await c.tipDelivered();
      await c.redis.kill();
      await c.redis.restart();
      const keys = await redisCommand(c.redis.url, ['DBSIZE']);
      if (typeof keys !== 'number' || keys === 0) throw new Error('Redis came back empty from its append-only file');
      await mine(c, 1);
    },
  },
  {
    name: 'redis restarted from an AOF that lost its tail',
    redis: 'aof',
    async fault(c) {
      // the file stops here, as an everysec AOF whose last second never reached the disk
      await redisCommand(c.redis.url, ['CONFIG', 'SET', 'appendonly', 'no']);
      await mine(c, 2);
      await c.tipDelivered();
      await c.redis.kill();
      await c.redis.restart();
      await mine(c, 1);
    },
  },
  {
    name: 'node restart keeping its chain',
    async fault(c) {
      await mine(c, 1);
      await c.sim.restart({ downtimeMs: 1_500 });
      await mine(c, 3);
    },
  },
  { name: 'resume from the start of an epoch across redis restarts (SDK)', fault: resumeFromEpochStart },
  {
    name: 'reorg below the ingestors\' window',
    async fault(c) {
      await mine(c, 2);
      await c.tipDelivered();
      const tip = await c.rpc.call<number>('getblockcount');
      // the ingestors began at the node's tip when they started, just below the first block any client got: a fork
      // below that is in no window nor checkpoint, only the node knows it
      const first = Math.min(...c.trackers.flatMap((t) => t.blocks.map((b) => b.height)));
      const depth = tip - first + 3;
      await c.sim.reorg(depth);
      // proof that the fork was found below the window, over RPC, and not by luck within it
      await waitFor(() => c.ingestors.some((p) => p.lines.some((l) => l.event === 'follower.deep_reorg')), { timeoutMs: 30_000, message: 'a deep reorg handled' });
      return { from: tip - depth };
    },
  },
];

/** Runs one scenario on `c` and judges every client against the node's chain. */
export async function runScenario(c: FaultCluster, s: Scenario): Promise<Outcome[]> {
  const from = await c.rpc.call<number>('getblockcount');
  const marks = c.trackers.map((t) => [t.blocks.length, t.notices.length] as const);
  const judgeFrom = (await s.fault(c))?.from ?? from;
  const ended = Date.now();
  // a bound as an awaited condition: generous, so a loaded machine passes and a stuck cluster fails
  await c.tipDelivered(45_000);
  const recoveryMs = Date.now() - ended;
  // a reorg retracts blocks of the window: judge against the chain as the node has it now
  const chain = await c.chainAbove(Math.min(from, judgeFrom));
  const lowest = Math.min(...c.trackers.flatMap((t) => t.blocks.map((b) => b.height)));
  const active = await c.activeFrom(lowest);
  return c.trackers.map((t, i) => ({ scenario: s.name, recoveryMs, ...judge(t, marks[i]![0], marks[i]![1], chain, active) }));
}
