// Contracts for TtlCache and StatsRegistry (STYLE rule 14): every implementation runs them. Not exported from index.
import { randomUUID } from 'node:crypto';
import { waitFor } from '@chainfan/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { StatsRegistry } from './stats-registry.js';
import type { TtlCache } from './ttl-cache.js';

function track<T extends { close(): Promise<void> }>(make: () => Promise<T>): () => Promise<T> {
  const open: T[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async () => {
    const s = await make();
    open.push(s);
    return s;
  };
}

export function describeTtlCacheContract(name: string, make: () => Promise<TtlCache>): void {
  describe(`${name} satisfies TtlCache`, () => {
    const fresh = track(make);
    const key = () => `k-${randomUUID().slice(0, 8)}`;

    it('returns what was set until it expires', async () => {
      const c = await fresh();
      const k = key();
      expect(await c.get(k)).toBeUndefined();
      await c.set(k, '{"result":1}', 10_000);
      expect(await c.get(k)).toBe('{"result":1}');
      await c.set(k, 'two', 10_000);
      expect(await c.get(k)).toBe('two');
    });

    it('forgets values after their TTL', async () => {
      const c = await fresh();
      const k = key();
      await c.set(k, 'brief', 50);
      await waitFor(async () => (await c.get(k)) === undefined, { timeoutMs: 3_000, intervalMs: 20 });
    });
  });
}

export function describeStatsRegistryContract(name: string, make: () => Promise<StatsRegistry>): void {
  describe(`${name} satisfies StatsRegistry`, () => {
    const fresh = track(make);

    it('lists every live member with its latest snapshot, and withdraws removed ones', async () => {
      const r = await fresh();
      const [a, b] = [`a-${randomUUID()}`, `b-${randomUUID()}`];
      await r.put(a, '{"connections":1}', 10_000);
      await r.put(b, '{"connections":2}', 10_000);
      await r.put(a, '{"connections":3}', 10_000);
      const live = await r.list();
      expect(live.get(a)).toBe('{"connections":3}');
      expect(live.get(b)).toBe('{"connections":2}');
      await r.remove(b);
      expect((await r.list()).has(b)).toBe(false);
    });

    it('drops members that stopped publishing', async () => {
      const r = await fresh();
      const [dead, alive] = [`dead-${randomUUID()}`, `alive-${randomUUID()}`];
      await r.put(dead, '{}', 50);
      await waitFor(async () => {
        await r.put(alive, '{}', 10_000);
        const live = await r.list();
        return !live.has(dead) && live.has(alive);
      }, { timeoutMs: 3_000, intervalMs: 20 });
    });
  });
}
