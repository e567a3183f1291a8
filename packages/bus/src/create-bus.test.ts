import { describe, expect, it } from 'vitest';
import { createBus } from './create-bus.js';
import { MemoryBus } from './memory-bus.js';
import { outgoing } from './bus.contract.js';

describe('createBus', () => {
  it('builds a MemoryBus with the configured history bound', async () => {
    const bus = createBus({ kind: 'memory', historyMaxLen: 2 });
    expect(bus).toBeInstanceOf(MemoryBus);
    for (let i = 0; i < 3; i++) await bus.publish(outgoing('blocks', i));
    expect((await bus.history('blocks', 0, 10)).messages.map((m) => m.seq)).toEqual([2, 3]);
    await bus.close();
  });
});
