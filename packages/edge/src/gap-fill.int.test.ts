// Gaps inside the edge, on a real Redis: a lost pub/sub message, a bus reconnect and a Redis restart are
// filled from history before anything newer goes out, or reported to subscribers with resync notices.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from '@chainfan/bus';
import { composeWire, encodeEnvelopeTail, type OutgoingEnvelope } from '@chainfan/protocol';
import { type RedisHandle, redisCommand, startRedis, waitFor } from '@chainfan/testkit';
import { type Harness, metricValue, startHarness } from './testing/edge-harness.js';
import type { WsTestClient } from './testing/ws-test-client.js';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function bus(prefix: string, url = redis.url, historyMaxLen = 1_000): Promise<RedisBus> {
  const b = new RedisBus({ url, keyPrefix: prefix, historyMaxLen, maxReconnectDelayMs: 100 });
  open.push(b);
  await b.ready(5_000);
  return b;
}

async function harness(prefix: string, url = redis.url, historyMaxLen = 1_000): Promise<{ h: Harness; pub: RedisBus }> {
  const edgeBus = await bus(prefix, url, historyMaxLen);
  const h = await startHarness(edgeBus);
  open.push(h);
  return { h, pub: await bus(prefix, url, historyMaxLen) };
}

const block = (h: number): OutgoingEnvelope => ({ channel: 'blocks', kind: 'block', ts: Date.now(), body: `{"h":${h}}` });
const heights = (c: WsTestClient): number[] => c.events('block').map((f) => (f.json?.data as { h: number }).h);

/** What the publish script does, minus the PUBLISH: the message is in history, but live subscribers never see it. */
async function publishSilently(prefix: string, epoch: string, seq: number, msg: OutgoingEnvelope, maxLen = 1_000): Promise<void> {
  await redisCommand(redis.url, ['XADD', `{${prefix}blocks}:h`, 'MAXLEN', String(maxLen), `${seq}-0`, 'm', composeWire(epoch, seq, encodeEnvelopeTail(msg))]);
  await redisCommand(redis.url, ['SET', `{${prefix}blocks}:seq`, String(seq)]);
}

describe('gaps inside the edge (RedisBus)', () => {
  it('fills a lost live message from history before delivering anything newer', async () => {
    const prefix = `gap-${randomUUID().slice(0, 8)}:`;
    const { h, pub } = await harness(prefix);
    const c = await h.connect();
    await c.command({ action: 'subscribe', topic: 'blocks' });
    const first = await pub.publish(block(1));
    await publishSilently(prefix, first.epoch, 2, block(2));
    await publishSilently(prefix, first.epoch, 3, block(3));
    await pub.publish(block(4));
    await pub.publish(block(5));
    await c.waitForEvents(5);
    expect(heights(c)).toEqual([1, 2, 3, 4, 5]);
    expect(c.events().map((f) => f.json?.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await metricValue(h.metrics.busGaps, { channel: 'blocks' })).toBe(1);
    expect(await metricValue(h.metrics.gapFills, { channel: 'blocks', outcome: 'filled' })).toBe(1);
  });

  it('tells subscribers (resync, history_trimmed) when history no longer covers a gap, then continues in order', async () => {
    const prefix = `trim-${randomUUID().slice(0, 8)}:`;
    const { h, pub } = await harness(prefix, redis.url, 5);
    const c = await h.connect();
    await c.command({ action: 'subscribe', topic: 'block' });
    const first = await pub.publish(block(1));
    for (let s = 2; s <= 20; s++) await publishSilently(prefix, first.epoch, s, block(s), 5);
    await pub.publish(block(21));
    await c.waitForEvents(6);
    expect(c.resyncs()).toEqual([{ topic: 'blocks', channel: 'blocks', reason: 'history_trimmed', subscribed: true, epoch: first.epoch, seq: 16 }]);
    expect(heights(c)).toEqual([1, 17, 18, 19, 20, 21]);
    const order = c.frames.map((f) => f.json?.type);
    expect(order.indexOf('resync')).toBe(order.indexOf('block') + 1); // ack, block 1, resync, then 17…
    expect(await metricValue(h.metrics.gapFills, { channel: 'blocks', outcome: 'history_trimmed' })).toBe(1);
  });

  it('after a bus reconnect, fills what was published while it was down, once and in order', async () => {
    const prefix = `rc-${randomUUID().slice(0, 8)}:`;
    const { h, pub } = await harness(prefix);
    const c = await h.connect();
    await c.command({ action: 'subscribe', topic: 'blocks' });
    await pub.publish(block(1));
    await c.waitForEvents(1);
    const downs = await metricValue(h.metrics.busState, { state: 'down' });
    expect(downs).toBe(0);
    // drop the edge's subscriber connection; the publisher keeps going while it reconnects
    await redisCommand(redis.url, ['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    for (let i = 2; i <= 30; i++) await pub.publish(block(i));
    await c.waitForEvents(30, undefined, 10_000);
    expect(heights(c)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await waitFor(async () => (await metricValue(h.metrics.busUp)) === 1);
    expect(await metricValue(h.metrics.gapFills, { channel: 'blocks', outcome: 'filled' })).toBeGreaterThanOrEqual(1);
  });

  it('after a Redis restart (data gone, new epoch) sends resync epoch_changed, then the new epoch in order', async () => {
    const own = await startRedis();
    open.push({ close: () => own.stop() });
    const prefix = `rs-${randomUUID().slice(0, 8)}:`;
    const { h, pub } = await harness(prefix, own.url);
    const c = await h.connect();
    await c.command({ action: 'subscribe', topic: 'blocks' });
    const before = await pub.publish(block(1));
    await c.waitForEvents(1);
    await own.restart();
    await pub.ready(10_000);
    await waitFor(async () => (await metricValue(h.metrics.busUp)) === 1 && h.bus.state === 'up', { timeoutMs: 10_000 });
    const after = await pub.publish(block(2));
    await pub.publish(block(3));
    await c.waitForEvents(3, undefined, 10_000);
    expect(after.epoch).not.toBe(before.epoch);
    expect(c.resyncs()).toEqual([{ topic: 'blocks', channel: 'blocks', reason: 'epoch_changed', subscribed: true, epoch: after.epoch, seq: 0 }]);
    expect(c.events().map((f) => [f.json?.epoch, f.json?.seq])).toEqual([[before.epoch, 1], [after.epoch, 1], [after.epoch, 2]]);
    expect(await metricValue(h.metrics.resyncs, { reason: 'epoch_changed' })).toBe(1);
  });
});
