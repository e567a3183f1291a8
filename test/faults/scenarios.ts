// The fault scenarios, each run on a fresh cluster: what is broken, and how the chain moves meanwhile. Shared by the
// fault suite (npm test, once each, asserted) and `npm run chaos` (repeated, tabled).
import { type FaultCluster, judge, type Judgement } from './fault-cluster.js';

export interface Scenario {
  readonly name: string;
  /** Breaks something and lets the chain move; resolves when the fault is over (the cluster should now recover). */
  readonly fault: (c: FaultCluster) => Promise<void>;
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
];

/** Runs one scenario on `c` and judges every client against the node's chain. */
export async function runScenario(c: FaultCluster, s: Scenario): Promise<Outcome[]> {
  const from = await c.rpc.call<number>('getblockcount');
  const marks = c.trackers.map((t) => [t.blocks.length, t.notices.length] as const);
  await s.fault(c);
  const ended = Date.now();
  // a bound as an awaited condition: generous, so a loaded machine passes and a stuck cluster fails
  await c.tipDelivered(45_000);
  const recoveryMs = Date.now() - ended;
  // a reorg retracts blocks of the window: judge against the chain as the node has it now
  const chain = await c.chainAbove(from);
  return c.trackers.map((t, i) => ({ scenario: s.name, recoveryMs, ...judge(t, marks[i]![0], marks[i]![1], chain) }));
}
