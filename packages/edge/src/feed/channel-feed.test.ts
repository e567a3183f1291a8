// ChannelFeed over an in-process MemoryBus (no ports): order, gap fill, held-buffer overflow, loss notices.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import type { BusChannel, Envelope, StreamPosition } from '@chainfan/protocol';
import { createEdgeMetrics, createRegistry } from '@chainfan/telemetry';
import { waitFor } from '@chainfan/testkit';
import { systemClock } from '../clock.js';
import { silentLog } from '../testing/silent-log.js';
import { ChannelFeed } from './channel-feed.js';

const buses: MemoryBus[] = [];
afterEach(async () => {
  for (const b of buses.splice(0)) await b.close();
});

function setup(opts: { maxHeld?: number; historyMaxLen?: number } = {}) {
  const bus = new MemoryBus({ epoch: 'e', historyMaxLen: opts.historyMaxLen ?? 1_000 });
  buses.push(bus);
  const delivered: number[] = [];
  const lost: [string, StreamPosition][] = [];
  const feed = new ChannelFeed('blocks', {
    bus,
    hooks: {
      deliver: (env) => {
        delivered.push(env.seq);
        return new Map();
      },
      lost: (_ch: BusChannel, reason, pos) => lost.push([reason, pos]),
    },
    options: { ringCapacity: 64, ringMaxBytes: 1 << 20, maxHeld: opts.maxHeld ?? 100, pageSize: 4 },
    metrics: createEdgeMetrics(createRegistry({ defaultMetrics: false })),
    log: silentLog,
    clock: systemClock,
  });
  const all: Envelope[] = [];
  bus.onMessage((env) => all.push(env));
  const publish = async (n: number) => {
    for (let i = 0; i < n; i++) await bus.publish({ channel: 'blocks', kind: 'block', ts: 0, body: '{}' });
  };
  return { bus, feed, delivered, lost, all, publish };
}

describe('ChannelFeed', () => {
  it('starts at the channel position and delivers in order, dropping duplicates', async () => {
    const { bus, feed, delivered, all, publish } = setup();
    await publish(3);
    await bus.subscribe('blocks');
    await feed.ensureStarted();
    expect(feed.position).toEqual({ epoch: 'e', seq: 3 });
    await publish(2);
    await waitFor(() => all.length === 2);
    for (const env of all) feed.receive(env);
    feed.receive(all[0]!);
    expect(delivered).toEqual([4, 5]);
  });

  it('fills a gap from history before delivering the newer message', async () => {
    const { bus, feed, delivered, all, publish } = setup();
    await bus.subscribe('blocks');
    await feed.ensureStarted();
    await publish(10);
    await waitFor(() => all.length === 10);
    feed.receive(all[0]!);
    feed.receive(all[9]!); // 2..9 never arrived live
    await waitFor(() => feed.state === 'live' && delivered.length === 10);
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('after a bus outage, reads everything from history even when the held buffer overflowed', async () => {
    const { bus, feed, delivered, all, publish } = setup({ maxHeld: 3 });
    await bus.subscribe('blocks');
    await feed.ensureStarted();
    feed.busDown();
    await publish(12);
    await waitFor(() => all.length === 12);
    for (const env of all) feed.receive(env); // held while down: only the last ones fit
    expect(feed.held).toBeLessThanOrEqual(3);
    feed.busUp();
    await waitFor(() => feed.state === 'live');
    expect(delivered).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('reports what history no longer covers and continues after it', async () => {
    const { bus, feed, delivered, lost, all, publish } = setup({ historyMaxLen: 5 });
    await bus.subscribe('blocks');
    await feed.ensureStarted();
    await publish(20);
    await waitFor(() => all.length === 20);
    feed.receive(all[0]!);
    feed.receive(all[19]!);
    await waitFor(() => feed.state === 'live' && delivered.at(-1) === 20);
    expect(lost).toEqual([['history_trimmed', { epoch: 'e', seq: 15 }]]);
    expect(delivered).toEqual([1, 16, 17, 18, 19, 20]);
  });
});
