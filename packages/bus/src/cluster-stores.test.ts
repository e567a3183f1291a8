import { describe, expect, it } from 'vitest';
import { describeStatsRegistryContract, describeTtlCacheContract } from './cluster-stores.contract.js';
import { MemoryStatsRegistry } from './stats-registry.js';
import { MemoryTtlCache } from './ttl-cache.js';

describeTtlCacheContract('MemoryTtlCache', async () => new MemoryTtlCache());
describeStatsRegistryContract('MemoryStatsRegistry', async () => new MemoryStatsRegistry());

describe('MemoryTtlCache', () => {
  it('judges expiry by its injected clock and keeps at most maxEntries', async () => {
    let now = 0;
    const c = new MemoryTtlCache({ now: () => now, maxEntries: 2 });
    await c.set('a', '1', 100);
    await c.set('b', '2', 100);
    await c.set('c', '3', 100);
    expect(await c.get('a')).toBeUndefined();
    expect(await c.get('b')).toBe('2');
    now = 100;
    expect(await c.get('b')).toBeUndefined();
  });
});
