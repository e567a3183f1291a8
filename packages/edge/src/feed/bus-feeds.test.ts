// BusFeeds' position probe over an in-process MemoryBus and a manual clock: a channel whose live message never
// arrived catches up from history on the second look, and a message merely in flight is left alone.
import { afterEach, describe, expect, it } from 'vitest';
import { type Bus, MemoryBus } from '@chainfan/bus';
import { type Envelope, ManualClock } from '@chainfan/protocol';
import { createEdgeMetrics, createRegistry } from '@chainfan/telemetry';
import { waitFor } from '@chainfan/testkit';
import { silentLog } from '../testing/silent-log.js';
import { BusFeeds } from './bus-feeds.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A MemoryBus whose live delivery loses the messages `lose` picks (history keeps them, as Redis would). */
function lossyBus(lose: (env: Envelope) => boolean): { bus: Bus; inner: MemoryBus } {
  const inner = new MemoryBus({ epoch: 'e' });
  closers.push(() => inner.close());
  const bus = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'onMessage') return (h: (e: Envelope) => void) => target.onMessage((e) => void (lose(e) || h(e)));
      const v = Reflect.get(target, prop) as unknown; // getters read the private state of the bus itself
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { bus, inner };
}

function setup(lose: (env: Envelope) => boolean) {
  const { bus, inner } = lossyBus(lose);
  const clock = new ManualClock();
  const registry = createRegistry({ defaultMetrics: false });
  const delivered: number[] = [];
  const feeds = new BusFeeds({
    bus,
    hooks: { deliver: (env) => (delivered.push(env.seq), new Map()), lost: () => undefined },
    options: { ringCapacity: 64, ringMaxBytes: 1 << 20, maxHeld: 100, pageSize: 16 },
    metrics: createEdgeMetrics(registry),
    log: silentLog,
    clock,
    closing: () => false,
    probeIntervalMs: 1_000,
  });
  closers.push(async () => feeds.stop());
  feeds.start();
  const publish = () => inner.publish({ channel: 'blocks', kind: 'block', ts: 0, body: '{}' });
  const catchUps = async () => (await registry.getSingleMetric('chainfan_edge_silent_channel_catchups_total')!.get()).values.reduce((a, v) => a + v.value, 0);
  return { feeds, clock, delivered, publish, catchUps };
}

describe('BusFeeds position probe', () => {
  it('catches a channel up from history when its last live message never arrived', async () => {
    const t = setup((e) => e.seq === 3);
    await t.feeds.acquire('blocks');
    for (let i = 0; i < 3; i++) await t.publish();
    await waitFor(() => t.delivered.length === 2);
    await t.feeds.probe(); // first look: behind, perhaps only in flight
    expect(t.delivered).toEqual([1, 2]);
    await t.feeds.probe(); // second look at the same place: lost, caught up
    await waitFor(() => t.delivered.length === 3);
    expect(t.delivered).toEqual([1, 2, 3]);
    expect(await t.catchUps()).toBe(1);
  });

  it('leaves a channel alone once its message arrived between two looks, and runs on the clock', async () => {
    const t = setup(() => false);
    await t.feeds.acquire('blocks');
    await t.publish();
    await waitFor(() => t.delivered.length === 1);
    t.clock.advance(1_000);
    t.clock.advance(1_000);
    await t.feeds.probe();
    expect(t.delivered).toEqual([1]);
    expect(await t.catchUps()).toBe(0);
    expect(t.clock.pending().length).toBeGreaterThan(0); // the next look is scheduled
  });
});
