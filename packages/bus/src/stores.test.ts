import { describe, expect, it } from 'vitest';
import { apiKeyHash, StaticKeyStore } from './key-store.js';
import { MemoryLeaseStore } from './lease-store.js';
import { describeKeyStoreContract, describeLeaseStoreContract } from './stores.contract.js';

describeLeaseStoreContract('MemoryLeaseStore', async () => new MemoryLeaseStore());
describeKeyStoreContract('StaticKeyStore', async (keys) => new StaticKeyStore(keys));

describe('StaticKeyStore', () => {
  it('also accepts keys configured as their sha256 hex', async () => {
    const s = new StaticKeyStore([], [apiKeyHash('secret-key').toUpperCase()]);
    expect(await s.has('secret-key')).toBe(true);
    expect(await s.has('secret-kez')).toBe(false);
    expect(s.size).toBe(1);
  });
});

describe('MemoryLeaseStore', () => {
  it('judges expiry by its injected clock', async () => {
    let now = 1_000;
    const s = new MemoryLeaseStore({ now: () => now });
    expect(await s.acquire('k', 'a', 1, 100)).toBe(true);
    expect(await s.acquire('k', 'b', 1, 100)).toBe(false);
    now += 100;
    expect(await s.acquire('k', 'b', 1, 100)).toBe(true);
    await s.close();
    await expect(s.acquire('k', 'c', 1, 100)).rejects.toMatchObject({ code: 'CHAINFAN_BUS_CLOSED' });
  });
});
