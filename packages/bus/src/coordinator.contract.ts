// Contract every Coordinator implementation runs: checkpoint atomic with publish, leases with fencing tokens.
import { describe, expect, it } from 'vitest';
import { waitFor } from '@chainfan/testkit';
import type { Bus, Coordinator } from './bus.js';

const msg = { channel: 'blocks', kind: 'block', ts: 1, body: '{}' } as const;

export function describeCoordinatorContract(name: string, make: () => Promise<Bus & Coordinator>): void {
  describe(`${name} satisfies Coordinator`, () => {
    it('stores a checkpoint only with the publish that carries it', async () => {
      const bus = await make();
      expect(await bus.readCheckpoint()).toBeUndefined();
      await bus.publish(msg, { checkpoint: '{"height":7}' });
      expect(await bus.readCheckpoint()).toBe('{"height":7}');
      await bus.publish(msg);
      expect(await bus.readCheckpoint()).toBe('{"height":7}');
      await bus.close();
    });

    it('grants the lease to one owner at a time, with growing fencing tokens', async () => {
      const bus = await make();
      const a = await bus.acquireLease('a', 10_000);
      expect(a).toBeDefined();
      expect(await bus.acquireLease('b', 10_000)).toBeUndefined();
      expect(await bus.renewLease(a!, 10_000)).toBe(true);
      await bus.publish(msg, { fencingToken: a! });
      await bus.releaseLease(a!);
      const b = await bus.acquireLease('b', 10_000);
      expect(b).toBeDefined();
      expect(Number(b!.split(':')[0])).toBeGreaterThan(Number(a!.split(':')[0]));
      await bus.close();
    });

    it('fences a leader whose lease expired: its publishes are refused and nothing is sequenced', async () => {
      const bus = await make();
      const stale = (await bus.acquireLease('old', 150))!;
      const fresh = await waitFor(() => bus.acquireLease('new', 10_000), { timeoutMs: 5_000, intervalMs: 25 });
      const before = await bus.position('blocks');
      await expect(bus.publish(msg, { fencingToken: stale, checkpoint: 'stale' })).rejects.toMatchObject({ code: 'CHAINFAN_PUBLISH_FENCED' });
      expect(await bus.position('blocks')).toEqual(before);
      expect(await bus.readCheckpoint()).not.toBe('stale');
      expect(await bus.renewLease(stale, 10_000)).toBe(false);
      await bus.publish(msg, { fencingToken: fresh });
      await bus.close();
    });
  });
}
