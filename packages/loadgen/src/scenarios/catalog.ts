// The named benchmark scenarios (`npm run bench -- <name> …`), the quick default set and the full set.
import type { TargetName } from '../targets.js';

export type ScenarioSpec =
  | { readonly kind: 'fanout'; readonly name: string; readonly clients: number; readonly rate: number; readonly targets: readonly TargetName[] }
  | { readonly kind: 'idle'; readonly name: string; readonly runs: readonly { readonly target: 'chainfan' | 'uws'; readonly servers: number; readonly clients: number }[] }
  | { readonly kind: 'ingest'; readonly name: string; readonly flatOutCount: number; readonly pacedRate: number; readonly pacedSeconds: number }
  | {
      readonly kind: 'recovery';
      readonly name: string;
      readonly historyMessages: number;
      readonly resumingClients: number;
      readonly pageSize: number;
      readonly recentMessages: number;
    }
  | { readonly kind: 'redis-fanout'; readonly name: string; readonly rate: number; readonly subscriberCounts: readonly number[] }
  | {
      readonly kind: 'shards'; readonly name: string; readonly count: number; readonly window: number; readonly shardCounts: readonly number[];
      readonly txsPartitions: number; readonly publishers: number;
    };

const ALL_TARGETS: readonly TargetName[] = ['chainfan', 'chainfan-batched', 'uws', 'ws-redis', 'socketio-redis'];

/** One process's fds (20,000 here) minus what the server holds besides client sockets. */
const ONE_EDGE_CLIENTS = 19_800;

function fanout(clients: number, rate: number, targets: readonly TargetName[] = ALL_TARGETS): ScenarioSpec {
  return { kind: 'fanout', name: `fanout-${clients / 1000}k-${rate}`, clients, rate, targets };
}

export const SCENARIOS: readonly ScenarioSpec[] = [
  {
    kind: 'idle',
    name: 'idle-1edge',
    runs: [
      { target: 'chainfan', servers: 1, clients: ONE_EDGE_CLIENTS },
      { target: 'uws', servers: 1, clients: ONE_EDGE_CLIENTS },
    ],
  },
  { kind: 'idle', name: 'idle-3edges', runs: [{ target: 'chainfan', servers: 3, clients: 50_000 }] },
  fanout(1_000, 10),
  fanout(1_000, 100),
  fanout(1_000, 1_000),
  fanout(10_000, 10),
  fanout(10_000, 100),
  fanout(10_000, 1_000),
  { kind: 'ingest', name: 'ingest', flatOutCount: 40_000, pacedRate: 1_000, pacedSeconds: 5 },
  { kind: 'recovery', name: 'recovery', historyMessages: 10_000, resumingClients: 100, pageSize: 500, recentMessages: 1_000 },
  { kind: 'redis-fanout', name: 'redis-edges', rate: 1_000, subscriberCounts: [0, 10, 50, 100] },
  // a Redis Cluster of 1 and of 3 shards in one run: 60,000 publishes flat out over 6 partitions of the transaction
  // stream (2 per master on 3), from 2 publisher processes
  { kind: 'shards', name: 'shards-1v3', count: 60_000, window: 1_000, shardCounts: [1, 3], txsPartitions: 6, publishers: 2 },
];

/** The default run: the targets' scenarios, a few minutes in all. */
export const QUICK: readonly ScenarioSpec[] = [
  SCENARIOS.find((s) => s.name === 'idle-1edge')!,
  fanout(1_000, 1_000),
  fanout(10_000, 100, ['chainfan', 'chainfan-batched', 'uws']),
  SCENARIOS.find((s) => s.name === 'fanout-10k-1000')!, // capacities: every target saturated
  SCENARIOS.find((s) => s.name === 'ingest')!,
  SCENARIOS.find((s) => s.name === 'recovery')!,
  SCENARIOS.find((s) => s.name === 'shards-1v3')!,
];

export function findScenario(name: string): ScenarioSpec | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
