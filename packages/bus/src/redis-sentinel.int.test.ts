// The Redis-backed contracts on a Sentinel set (primary, replica, three sentinels) with a password.
import { redisCommand, type SentinelSetHandle, startRedisSentinelSet } from '@chainfan/testkit';
import { afterAll, beforeAll } from 'vitest';
import { describeContractsOn } from './topology.contracts.js';

const PASSWORD = 's3cret-sentinel';
let set: SentinelSetHandle;
beforeAll(async () => {
  set = await startRedisSentinelSet({ password: PASSWORD });
}, 60_000);
afterAll(() => set?.stop());

describeContractsOn('Sentinel', () => ({
  topology: { kind: 'sentinel', sentinels: set.sentinels, name: set.name, password: PASSWORD },
  async sadd(key, members) {
    await redisCommand(`redis://:${PASSWORD}@127.0.0.1:${await set.primaryPort()}`, ['SADD', key, ...members]);
  },
}));
