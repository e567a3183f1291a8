import { describe, expect, it } from 'vitest';
import { collect, describeBusContract, outgoing } from './bus.contract.js';
import { describeCoordinatorContract } from './coordinator.contract.js';
import { MemoryBus } from './memory-bus.js';

describeBusContract('MemoryBus', async ({ historyMaxLen }) => new MemoryBus({ historyMaxLen }));
describeCoordinatorContract('MemoryBus', async () => new MemoryBus());

describe('MemoryBus', () => {
  it('delivers asynchronously relative to publish, but in order', async () => {
    const bus = new MemoryBus();
    const got = collect(bus);
    await bus.subscribe('blocks');
    const p1 = bus.publish(outgoing('blocks', 0));
    const p2 = bus.publish(outgoing('blocks', 1));
    expect(got).toHaveLength(0);
    await Promise.all([p1, p2]);
    await Promise.resolve();
    expect(got.map((m) => m.seq)).toEqual([1, 2]);
    await bus.close();
  });

  it('uses a random epoch per instance unless one is given', async () => {
    const a = await new MemoryBus().publish(outgoing('blocks', 0));
    const b = await new MemoryBus().publish(outgoing('blocks', 0));
    expect(a.epoch).not.toBe(b.epoch);
    expect((await new MemoryBus({ epoch: 'e1' }).publish(outgoing('blocks', 0))).epoch).toBe('e1');
  });

  it('defaults to 10,000 history entries per channel', async () => {
    const bus = new MemoryBus();
    for (let i = 0; i < 10_001; i++) await bus.publish(outgoing('txs', i));
    const h = await bus.history('txs', 1, 5);
    expect(h.covered).toBe(true);
    expect(h.messages[0]?.seq).toBe(2);
    expect((await bus.history('txs', 0, 5)).covered).toBe(false);
  });

  it('rejects a non-finite ts instead of sequencing unreadable JSON', async () => {
    await expect(new MemoryBus().publish({ ...outgoing('blocks', 0), ts: Number.NaN })).rejects.toThrow(RangeError);
  });
});
