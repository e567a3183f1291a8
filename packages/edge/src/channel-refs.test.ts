import { describe, expect, it, vi } from 'vitest';
import { MemoryBus, type Bus } from '@chainfan/bus';
import { ChainfanError, type BusChannel } from '@chainfan/protocol';
import { ChannelRefs } from './channel-refs.js';

function refsOn(bus: Bus) {
  const errors: [BusChannel, string][] = [];
  const changes: [BusChannel, boolean][] = [];
  const refs = new ChannelRefs(bus, { onError: (ch, op) => errors.push([ch, op]), onChange: (ch, s) => changes.push([ch, s]) });
  return { refs, errors, changes };
}

describe('ChannelRefs', () => {
  it('subscribes the bus on the first acquire only and unsubscribes after the last release', async () => {
    const bus = new MemoryBus();
    const sub = vi.spyOn(bus, 'subscribe');
    const unsub = vi.spyOn(bus, 'unsubscribe');
    const { refs, changes } = refsOn(bus);
    await Promise.all([refs.acquire('blocks'), refs.acquire('blocks'), refs.acquire('txs')]);
    await refs.acquire('blocks');
    expect(sub.mock.calls).toEqual([['blocks'], ['txs']]);
    expect(refs.refs('blocks')).toBe(3);
    refs.release('blocks');
    refs.release('blocks');
    await refs.idle();
    expect(unsub).not.toHaveBeenCalled();
    refs.release('blocks');
    await refs.idle();
    expect(unsub.mock.calls).toEqual([['blocks']]);
    expect(refs.subscribed()).toEqual(['txs']);
    expect(changes).toEqual([['blocks', true], ['txs', true], ['blocks', false]]);
    await bus.close();
  });

  it('orders bus calls per channel: an acquire during an in-flight unsubscribe re-subscribes after it', async () => {
    const bus = new MemoryBus();
    const calls: string[] = [];
    let finishUnsub: () => void = () => undefined;
    vi.spyOn(bus, 'subscribe').mockImplementation(async (ch) => void calls.push(`sub ${ch}`));
    vi.spyOn(bus, 'unsubscribe').mockImplementation((ch) => {
      calls.push(`unsub ${ch} started`);
      return new Promise<void>((resolve) => {
        finishUnsub = () => {
          calls.push(`unsub ${ch} done`);
          resolve();
        };
      });
    });
    const { refs } = refsOn(bus);
    await refs.acquire('mempool');
    refs.release('mempool');
    await vi.waitFor(() => expect(calls).toContain('unsub mempool started'));
    const again = refs.acquire('mempool');
    finishUnsub();
    await again;
    expect(calls).toEqual(['sub mempool', 'unsub mempool started', 'unsub mempool done', 'sub mempool']);
    expect(refs.subscribed()).toEqual(['mempool']);
    await bus.close();
  });

  it('skips the round trip when interest comes and goes before the bus call runs', async () => {
    const bus = new MemoryBus();
    const sub = vi.spyOn(bus, 'subscribe');
    const { refs } = refsOn(bus);
    await refs.acquire('blocks');
    refs.release('blocks');
    const again = refs.acquire('blocks'); // queued behind the unsubscribe, which now finds refs > 0 and does nothing
    await again;
    expect(sub).toHaveBeenCalledTimes(1);
    await bus.close();
  });

  it('rejects the acquire when the bus refuses, keeps the reference for the caller to release, and retries next time', async () => {
    const bus = new MemoryBus();
    let fail = true;
    const real = bus.subscribe.bind(bus);
    vi.spyOn(bus, 'subscribe').mockImplementation(async (ch) => {
      if (fail) throw new ChainfanError('CHAINFAN_BUS_DOWN', 'down');
      return real(ch);
    });
    const { refs, errors } = refsOn(bus);
    await expect(refs.acquire('blocks')).rejects.toMatchObject({ code: 'CHAINFAN_BUS_DOWN' });
    expect(errors).toEqual([['blocks', 'subscribe']]);
    expect(refs.refs('blocks')).toBe(1);
    refs.release('blocks');
    fail = false;
    await refs.acquire('blocks');
    expect(refs.subscribed()).toEqual(['blocks']);
    await bus.close();
  });

  it('treats a release without acquire as a bug', () => {
    const { refs } = refsOn(new MemoryBus());
    expect(() => refs.release('blocks')).toThrow();
  });
});
