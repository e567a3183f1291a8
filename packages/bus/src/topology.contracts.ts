// Every contract of the Redis-backed seams (Bus, Coordinator, LeaseStore, KeyStore, TtlCache, StatsRegistry) on one
// topology; the Sentinel and Cluster test files run it against their own processes. Not exported from index.
import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import { describeBusContract } from './bus.contract.js';
import { describeStatsRegistryContract, describeTtlCacheContract } from './cluster-stores.contract.js';
import { describeCoordinatorContract } from './coordinator.contract.js';
import { RedisBus } from './redis-bus.js';
import { RedisKeyStore } from './redis-key-store.js';
import { RedisLeaseStore } from './redis-lease-store.js';
import { RedisStatsRegistry } from './redis-stats-registry.js';
import { RedisTtlCache } from './redis-ttl-cache.js';
import type { RedisTopology } from './redis-topology.js';
import { describeKeyStoreContract, describeLeaseStoreContract } from './stores.contract.js';

export interface TopologyUnderTest {
  readonly topology: RedisTopology;
  /** SADD on whichever node serves `key` (the key-store contract seeds a set) */
  sadd(key: string, members: readonly string[]): Promise<void>;
}

const READY_MS = 15_000;

export function describeContractsOn(name: string, target: () => TopologyUnderTest): void {
  const prefix = (): string => `t-${randomUUID().slice(0, 8)}:`;
  const buses: RedisBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
  });
  const bus = async (historyMaxLen?: number): Promise<RedisBus> => {
    const b = new RedisBus({ topology: target().topology, keyPrefix: prefix(), maxReconnectDelayMs: 100, ...(historyMaxLen !== undefined ? { historyMaxLen } : {}) });
    buses.push(b);
    await b.ready(READY_MS);
    return b;
  };
  describeBusContract(`RedisBus on ${name}`, ({ historyMaxLen }) => bus(historyMaxLen));
  describeCoordinatorContract(`RedisBus on ${name}`, () => bus());
  describeLeaseStoreContract(`RedisLeaseStore on ${name}`, async () => {
    const s = new RedisLeaseStore({ topology: target().topology, keyPrefix: prefix() });
    await s.ready(READY_MS);
    return s;
  });
  describeKeyStoreContract(`RedisKeyStore on ${name}`, async (keys) => {
    const setKey = `${prefix()}keys`;
    await target().sadd(setKey, keys);
    const s = new RedisKeyStore({ topology: target().topology, setKey });
    await s.ready(READY_MS);
    return s;
  });
  describeTtlCacheContract(`RedisTtlCache on ${name}`, async () => {
    const c = new RedisTtlCache({ topology: target().topology, keyPrefix: prefix() });
    await c.ready(READY_MS);
    return c;
  });
  describeStatsRegistryContract(`RedisStatsRegistry on ${name}`, async () => {
    const r = new RedisStatsRegistry({ topology: target().topology, keyPrefix: prefix() });
    await r.ready(READY_MS);
    return r;
  });
}
