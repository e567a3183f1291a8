// Contracts for LeaseStore and KeyStore (STYLE rule 14): every implementation runs them. Not exported from index.
import { randomUUID } from 'node:crypto';
import { waitFor } from '@chainfan/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyStore } from './key-store.js';
import type { LeaseStore } from './lease-store.js';

export function describeLeaseStoreContract(name: string, make: () => Promise<LeaseStore>): void {
  describe(`${name} satisfies LeaseStore`, () => {
    const open: LeaseStore[] = [];
    const fresh = async () => {
      const s = await make();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });
    const key = () => `k-${randomUUID().slice(0, 8)}`;

    it('admits up to the limit, counts holders, and frees slots on release', async () => {
      const s = await fresh();
      const k = key();
      expect(await s.acquire(k, 'a', 2, 10_000)).toBe(true);
      expect(await s.acquire(k, 'b', 2, 10_000)).toBe(true);
      expect(await s.acquire(k, 'c', 2, 10_000)).toBe(false);
      expect(await s.acquire(k, 'a', 2, 10_000)).toBe(true); // a holder re-acquiring keeps its slot
      expect(await s.count(k)).toBe(2);
      await s.release(k, 'a');
      await s.release(k, 'zzz');
      expect(await s.acquire(k, 'c', 2, 10_000)).toBe(true);
      expect(await s.count(`${k}-other`)).toBe(0);
    });

    it('expires leases that are not refreshed, and keeps refreshed ones', async () => {
      const s = await fresh();
      const k = key();
      expect(await s.acquire(k, 'dead', 2, 200)).toBe(true);
      expect(await s.acquire(k, 'alive', 2, 200)).toBe(true);
      // the holder of 'alive' keeps refreshing (as a live edge does); 'dead' stopped (its edge died)
      await waitFor(async () => {
        await s.refresh(new Map([[k, ['alive']]]), 200);
        return (await s.count(k)) === 1;
      }, { timeoutMs: 3_000, intervalMs: 20 });
      expect(await s.acquire(k, 'new', 2, 10_000)).toBe(true);
      expect(await s.acquire(k, 'dead', 2, 10_000)).toBe(false);
    });

    it('refresh re-creates a lease that expired while the store was unreachable', async () => {
      const s = await fresh();
      const k = key();
      await s.refresh(new Map([[k, ['x', 'y']]]), 10_000);
      expect(await s.count(k)).toBe(2);
    });
  });
}

export function describeKeyStoreContract(name: string, make: (keys: readonly string[]) => Promise<KeyStore>): void {
  describe(`${name} satisfies KeyStore`, () => {
    it('knows exactly its keys', async () => {
      const s = await make(['key-one', 'key-two']);
      try {
        expect(await s.has('key-one')).toBe(true);
        expect(await s.has('key-two')).toBe(true);
        expect(await s.has('key-on')).toBe(false);
        expect(await s.has('')).toBe(false);
      } finally {
        await s.close();
      }
    });
  });
}
