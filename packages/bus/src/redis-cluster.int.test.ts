// The Redis-backed contracts on a Redis Cluster (3 masters + 3 replicas) with a password.
import { type RedisClusterHandle, redisCommand, startRedisCluster } from '@chainfan/testkit';
import { afterAll, beforeAll } from 'vitest';
import { describeContractsOn } from './topology.contracts.js';

const PASSWORD = 's3cret-cluster';
let cluster: RedisClusterHandle;
beforeAll(async () => {
  cluster = await startRedisCluster({ password: PASSWORD });
}, 60_000);
afterAll(() => cluster?.stop());

describeContractsOn('Cluster', () => ({
  topology: { kind: 'cluster', nodes: cluster.nodes, password: PASSWORD },
  async sadd(key, members) {
    await redisCommand(`redis://:${PASSWORD}@127.0.0.1:${await cluster.masterPortOf(key)}`, ['SADD', key, ...members]);
  },
}));
