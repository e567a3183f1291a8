// ChannelFeed against a real Redis that comes back older than what the edge delivered: the rewound epoch is ended
// and nothing of it reaches clients a second time or in place of what they had; the next epoch starts with a notice.
import { randomUUID } from 'node:crypto';
import { RedisBus } from '@chainfan/bus';
import type { BusChannel, Envelope, StreamPosition } from '@chainfan/protocol';
import { createEdgeMetrics, createRegistry } from '@chainfan/telemetry';
import { type RedisHandle, redisCommand, startRedis, waitFor } from '@chainfan/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.js';
import { silentLog } from '../testing/edge-harness.js';
import { ChannelFeed } from './channel-feed.js';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());
const open: RedisBus[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
});

async function connect(prefix: string): Promise<RedisBus> {
  const bus = new RedisBus({ url: redis.url, keyPrefix: prefix, maxReconnectDelayMs: 50 });
  open.push(bus);
  await bus.ready(5_000);
  return bus;
}

async function setup() {
  const prefix = `rw-${randomUUID().slice(0, 8)}:`;
  const edgeBus = await connect(prefix);
  const delivered: Envelope[] = [];
  const lost: [string, StreamPosition][] = [];
  const metrics = createEdgeMetrics(createRegistry({ defaultMetrics: false }));
  const feed = new ChannelFeed('blocks', {
    bus: edgeBus,
    hooks: {
      deliver: (env) => {
        delivered.push(env);
        return new Map();
      },
      lost: (_ch: BusChannel, reason, pos) => lost.push([reason, pos]),
    },
    options: { ringCapacity: 64, ringMaxBytes: 1 << 20, maxHeld: 100, pageSize: 4, retryDelayMs: 50 },
    metrics,
    log: silentLog,
    clock: systemClock,
  });
  edgeBus.onMessage((env) => feed.receive(env));
  edgeBus.onStateChange((s) => (s === 'up' ? feed.busUp() : s === 'down' ? feed.busDown() : undefined));
  await edgeBus.subscribe('blocks');
  await feed.ensureStarted();
  // a publisher that knows nothing (a standby, or an ingestor that lost its state): it cannot see the rewind itself
  const publish = async (bus: RedisBus, tag: string) => bus.publish({ channel: 'blocks', kind: 'block', ts: 0, body: JSON.stringify({ tag }) });
  const dropped = async (reason: string) => (await metrics.messagesDropped.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  return { prefix, edgeBus, feed, delivered, lost, publish, dropped };
}

/** The channel as it is now (seq, epoch, history), to be put back later as a lagging replica promoted in its place would hold it. */
async function snapshot(prefix: string): Promise<() => Promise<void>> {
  const [seq, epoch, history] = await Promise.all([
    redisCommand(redis.url, ['GET', `{${prefix}blocks}:seq`]),
    redisCommand(redis.url, ['GET', `{${prefix}blocks}:ep`]),
    redisCommand(redis.url, ['XRANGE', `{${prefix}blocks}:h`, '-', '+']),
  ]);
  return async () => {
    for (const [id, fields] of history as [string, string[]][]) await redisCommand(redis.url, ['XADD', `{${prefix}blocks}:h`, id, ...fields]);
    await redisCommand(redis.url, ['SET', `{${prefix}blocks}:ep`, epoch as string]);
    await redisCommand(redis.url, ['SET', `{${prefix}blocks}:seq`, seq as string]);
  };
}

describe('ChannelFeed on a Redis that comes back older', () => {
  it('a different message under a delivered position ends the epoch; the next epoch arrives as epoch_changed', async () => {
    const { prefix, feed, delivered, lost, publish, dropped } = await setup();
    const publisher = await connect(prefix);
    for (let i = 1; i <= 3; i++) await publish(publisher, `a${i}`);
    const snap = await snapshot(prefix);
    for (let i = 4; i <= 5; i++) await publish(publisher, `a${i}`);
    await waitFor(() => delivered.length === 5);
    const epoch = delivered[0]!.epoch;
    // Redis rewound to seq 3 under the same epoch (a replica that lagged, promoted without a reconnect of this
    // edge's subscriber) and an unknowing publisher goes on
    await redisCommand(redis.url, ['DEL', `{${prefix}blocks}:h`]);
    await snap();
    const naive = await connect(prefix);
    await publish(naive, 'b4');
    await waitFor(async () => (await dropped('rewound')) >= 1);
    expect(feed.position).toEqual({ epoch, seq: 5 });
    // the epoch was ended: the next publish, even by the unknowing publisher, starts a new one
    await waitFor(async () => (await redisCommand(redis.url, ['EXISTS', `{${prefix}blocks}:ep`])) === 0);
    await publish(naive, 'c1');
    await waitFor(() => delivered.length === 6);
    expect(lost).toEqual([['epoch_changed', { epoch: delivered[5]!.epoch, seq: 0 }]]);
    expect(delivered.map((e) => [e.seq, JSON.parse(e.body).tag])).toEqual([[1, 'a1'], [2, 'a2'], [3, 'a3'], [4, 'a4'], [5, 'a5'], [1, 'c1']]);
    expect(delivered[5]!.epoch).not.toBe(epoch);
  });

  it('a Redis restarted from an older snapshot is caught, also once an unknowing publisher has moved past the edge', async () => {
    const { prefix, delivered, lost, publish } = await setup();
    const publisher = await connect(prefix);
    for (let i = 1; i <= 3; i++) await publish(publisher, `a${i}`);
    await redisCommand(redis.url, ['SAVE']); // the RDB a restart loads
    for (let i = 4; i <= 6; i++) await publish(publisher, `a${i}`);
    await waitFor(() => delivered.length === 6);
    const epoch = delivered[0]!.epoch;
    await redis.kill();
    await redis.restart();
    // An unknowing publisher hands out seqs 4..8 again. Whether the edge is back before (history ends at 3, below its
    // 6) or after (history holds another message at 6), the rewound epoch ends and nothing of it is delivered.
    const naive = await connect(prefix);
    for (let i = 4; i <= 8; i++) await publish(naive, `b${i}`);
    await waitFor(async () => (await redisCommand(redis.url, ['GET', `{${prefix}blocks}:ep`])) !== epoch);
    await publish(naive, 'c1');
    await waitFor(() => delivered.length > 6 && JSON.parse(delivered.at(-1)!.body).tag === 'c1');
    expect(delivered.slice(0, 6).map((e) => JSON.parse(e.body).tag)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    const after = delivered.slice(6);
    const next = after[0]!.epoch;
    expect(next).not.toBe(epoch);
    expect(after.map((e) => [e.epoch, e.seq])).toEqual(after.map((_, i) => [next, i + 1]));
    expect(lost).toEqual([['epoch_changed', { epoch: next, seq: 0 }]]);
  });

  it('history ending before the delivered position is a rewind', async () => {
    const { prefix, feed, delivered, lost, publish } = await setup();
    const publisher = await connect(prefix);
    for (let i = 1; i <= 2; i++) await publish(publisher, `a${i}`);
    await redisCommand(redis.url, ['SAVE']); // the RDB a restart loads
    for (let i = 3; i <= 4; i++) await publish(publisher, `a${i}`);
    await waitFor(() => delivered.length === 4);
    await redis.kill();
    await redis.restart();
    await waitFor(async () => (await redisCommand(redis.url, ['EXISTS', `{${prefix}blocks}:ep`])) === 0);
    expect(feed.state).toBe('live');
    const naive = await connect(prefix);
    await publish(naive, 'c1');
    await waitFor(() => delivered.length === 5);
    expect([delivered[4]!.seq, JSON.parse(delivered[4]!.body).tag]).toEqual([1, 'c1']);
    expect(lost.map(([r]) => r)).toEqual(['epoch_changed']);
  });
});
