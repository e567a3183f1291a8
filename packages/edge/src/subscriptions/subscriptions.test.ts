// The subscriptions state machine alone: a MemoryBus, the real feeds and fan-out, in-memory sockets and a ManualClock.
// Subscribe (ACL, limits), `all` shadowing, unsubscribe, recovery from a position, drop-and-resync and close.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { ManualClock, evrmoreRpcDialect, parseTopic, type BusChannel, type Since, type StreamPosition, type Target } from '@chainfan/protocol';
import { createEdgeMetrics, createRegistry } from '@chainfan/telemetry';
import { TopicAcl } from '../auth/topic-acl.js';
import { DerivedStreams } from '../derived/derived-streams.js';
import { ClientSender } from '../fanout/client-sender.js';
import { EncodeCache } from '../fanout/encode-cache.js';
import { Fanout } from '../fanout/fanout.js';
import { SentCounters } from '../fanout/sent-counters.js';
import { BusFeeds } from '../feed/bus-feeds.js';
import type { Session } from '../session.js';
import { SubscriptionRegistry } from '../subscription-registry.js';
import { metricValue } from '../testing/metric-value.js';
import { memorySockets, type SocketOptions } from '../testing/memory-sockets.js';
import { silentLog } from '../testing/silent-log.js';
import { Subscriptions } from './subscriptions.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Lets queued promise work (bus, feeds) run; nothing here waits on time. */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

function target(raw: string): Target {
  const t = parseTopic(raw);
  if (!t.ok) throw new Error(`bad topic ${raw}`);
  return { type: 'topic', topic: t.value };
}

function setup(config: Partial<{ maxTopicLength: number }> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const bus = new MemoryBus({ now: () => clock.now() });
  const metrics = createEdgeMetrics(createRegistry({ defaultMetrics: false }));
  const registry = new SubscriptionRegistry();
  const sockets = memorySockets({ closed: (s) => subs.closed(s) });
  const sent = new SentCounters(metrics);
  const derived: DerivedStreams = new DerivedStreams({
    has: (d, key) => registry.get(d.name, key) !== undefined,
    publish: (d, key, stream, frame) => fanout.publishDerived(d, key, stream, frame),
  }, clock);
  const fanout = new Fanout({
    dialects: [evrmoreRpcDialect], registry, maxEventFrameBytes: 1 << 20, sent, metrics, log: silentLog, clock,
    publish: (topic, frame, binary) => sockets.transport.publish(topic, frame, binary),
    delivered: (env) => derived.deliver(env),
  });
  const feeds = new BusFeeds({
    bus, metrics, log: silentLog, clock, closing: () => false,
    hooks: { deliver: (env) => fanout.deliver(env), lost: (ch, reason, pos) => fanout.lost(ch, reason, pos) },
    options: { ringCapacity: 64, ringMaxBytes: 1 << 20, maxHeld: 64, pageSize: 2 },
  });
  const sender = new ClientSender({ config: { maxEventFrameBytes: 1 << 20 }, metrics, sent, afterSend: (_s, r) => r !== 'dropped' });
  const cache = new EncodeCache(64, 1 << 20);
  const subs: Subscriptions = new Subscriptions({
    config: { maxTopicLength: 128, historyPageSize: 2, recoveryTimeoutMs: 5_000, ...config },
    bus, metrics, log: silentLog, clock, registry, derived,
    acquire: (ch) => feeds.acquire(ch),
    release: (ch) => feeds.release(ch),
    feed: (ch) => feeds.feed(ch),
    encode: (env, dialect) => cache.get(env, dialect),
    reply: (s, frame) => sender.reply(s, frame),
    sendReplay: (s, kind, frame, isEvent) => sender.sendReplay(s, kind, frame, isEvent),
    whenWritable: () => Promise.resolve(),
    fail: (s, error, ref) => {
      metrics.clientErrors.inc({ reason: error.reason });
      sender.reply(s, s.dialect.encodeError(error, ref));
    },
  });
  feeds.start();
  cleanups.push(() => feeds.stop(), () => bus.close());
  return {
    bus, metrics, registry, feeds, subs,
    open: (opts: SocketOptions = {}) => sockets.open(opts),
    async subscribe(s: Session, raw: string, since?: Since): Promise<void> {
      await subs.subscribe(s, target(raw), raw, since, undefined, false);
      await turns();
    },
    async publish(channel: BusChannel, kind: string, body: string): Promise<StreamPosition> {
      const at = await bus.publish({ ts: clock.now(), channel, kind, body });
      await turns();
      return at;
    },
  };
}

type Frame = { type: string; data: Record<string, unknown> };
const framesOf = (peer: { texts(): string[] }): Frame[] => peer.texts().map((t) => JSON.parse(t) as Frame);
const heights = (peer: { texts(): string[] }): unknown[] => framesOf(peer).filter((f) => f.type === 'block').map((f) => f.data['height']);

describe('Subscriptions', () => {
  it('acknowledges once the bus holds the channel, then the socket reads the topic live; unsubscribe ends it', async () => {
    const h = setup();
    const { s, peer } = await h.open();
    await h.subscribe(s, 'blocks');
    expect(framesOf(peer)).toEqual([{ type: 'subscription', data: { status: 'success', topic: 'blocks', action: 'subscribe' } }]);
    expect(h.subs.held(s)).toMatchObject([{ key: 'blocks', state: 'live', reading: true, shadowed: false }]);
    expect(h.feeds.subscribed()).toContain('blocks');
    expect(await metricValue(h.metrics.subscriptions, { topic_kind: 'blocks' })).toBe(1);
    await h.publish('blocks', 'block', '{"height":7}');
    expect(heights(peer)).toEqual([7]);
    h.subs.unsubscribe(s, target('blocks'), 'blocks', undefined);
    await h.publish('blocks', 'block', '{"height":8}');
    expect(heights(peer)).toEqual([7]);
    expect(h.subs.held(s)).toEqual([]);
    expect(h.registry.total).toBe(0);
    await h.feeds.idle();
    expect(h.feeds.subscribed()).not.toContain('blocks');
    expect(await metricValue(h.metrics.subscriptions, { topic_kind: 'blocks' })).toBe(0);
  });

  it('refuses a topic the ACL does not allow before the bus is asked, and a topic over the length limit', async () => {
    const h = setup({ maxTopicLength: 20 });
    const { s, peer } = await h.open({ acl: new TopicAcl(['blocks']) });
    await h.subscribe(s, 'transactions');
    await h.subscribe(s, 'address:EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1');
    expect(framesOf(peer).map((f) => f.type)).toEqual(['error', 'error']);
    expect(h.feeds.subscribed()).toEqual([]);
    expect(h.subs.held(s)).toEqual([]);
    expect(await metricValue(h.metrics.clientErrors, { reason: 'topic_not_allowed' })).toBe(1);
    expect(await metricValue(h.metrics.limitHits, { limit: 'topic_length' })).toBe(1);
  });

  it('counts subscriptions against the connection limit: a repeat is free, an unsubscribe gives one back', async () => {
    const h = setup();
    const { s, peer } = await h.open({ maxSubscriptions: 2 });
    await h.subscribe(s, 'blocks');
    await h.subscribe(s, 'blocks'); // held already: acknowledged again, not counted
    await h.subscribe(s, 'transactions');
    await h.subscribe(s, 'mempool');
    expect(framesOf(peer).map((f) => f.type)).toEqual(['subscription', 'subscription', 'subscription', 'error']);
    expect(await metricValue(h.metrics.limitHits, { limit: 'subscriptions_per_connection' })).toBe(1);
    h.subs.unsubscribe(s, target('blocks'), 'blocks', undefined);
    await h.subscribe(s, 'mempool');
    expect(h.subs.asked(s)).toEqual(['transactions', 'mempool']);
  });

  it('answers an unsubscribe of a topic not held with an error and changes nothing', async () => {
    const h = setup();
    const { s, peer } = await h.open();
    await h.subscribe(s, 'blocks');
    h.subs.unsubscribe(s, target('transactions'), 'transactions', undefined);
    expect(framesOf(peer).at(-1)).toMatchObject({ type: 'error', data: { code: 1002 } });
    expect(h.subs.held(s)).toHaveLength(1);
  });

  it('reads blocks through `all` while both are held (each block once), and on its own again when `all` goes', async () => {
    const h = setup();
    const { s, peer } = await h.open();
    await h.subscribe(s, 'blocks');
    await h.subscribe(s, 'all');
    expect(h.subs.held(s)).toMatchObject([
      { key: 'blocks', state: 'live', shadowed: true, reading: false },
      { key: 'all', state: 'live', shadowed: false, reading: true },
    ]);
    expect(h.registry.count('evrmore-rpc', 'blocks')).toBe(0);
    await h.publish('blocks', 'block', '{"height":1}');
    expect(heights(peer)).toEqual([1]);
    h.subs.unsubscribe(s, target('all'), 'all', undefined);
    expect(h.subs.held(s)).toMatchObject([{ key: 'blocks', shadowed: false, reading: true }]);
    await h.publish('blocks', 'block', '{"height":2}');
    expect(heights(peer)).toEqual([1, 2]);
  });

  it('a part subscribed while `all` is live joins shadowed: no reader of its own, acknowledged all the same', async () => {
    const h = setup();
    const { s, peer } = await h.open();
    await h.subscribe(s, 'all');
    await h.subscribe(s, 'blocks');
    expect(framesOf(peer).filter((f) => f.type === 'subscription')).toHaveLength(2);
    expect(h.subs.held(s)).toMatchObject([{ key: 'all', reading: true }, { key: 'blocks', shadowed: true, reading: false }]);
    await h.publish('blocks', 'block', '{"height":3}');
    expect(heights(peer)).toEqual([3]);
  });

  it('recovers from a position: replays what was missed from history, then acknowledges with where live starts', async () => {
    const h = setup();
    const first = await h.publish('blocks', 'block', '{"height":1}');
    for (const height of [2, 3, 4]) await h.publish('blocks', 'block', `{"height":${height}}`);
    const { s, peer } = await h.open();
    await h.subscribe(s, 'blocks', new Map([['blocks', first]]));
    const frames = framesOf(peer);
    expect(frames.filter((f) => f.type === 'block').map((f) => f.data['height'])).toEqual([2, 3, 4]);
    expect(frames.at(-1)).toMatchObject({ type: 'subscription', data: { positions: { blocks: { epoch: first.epoch, seq: 4 } } } });
    expect(h.subs.held(s)).toMatchObject([{ key: 'blocks', state: 'live', reading: true }]);
    expect(await metricValue(h.metrics.recoveries, { outcome: 'recovered' })).toBe(1);
    await h.publish('blocks', 'block', '{"height":5}');
    expect(heights(peer)).toEqual([2, 3, 4, 5]);
  });

  it('drop-and-resync: leaves every topic at once and names, per topic and channel, where to resume', async () => {
    const h = setup();
    const { s, peer } = await h.open();
    await h.subscribe(s, 'blocks');
    await h.subscribe(s, 'transactions');
    const at = await h.publish('blocks', 'block', '{"height":1}');
    const notices = h.subs.dropForResync(s, (ch) => h.feeds.position(ch));
    expect(notices).toEqual([
      { topic: 'blocks', channel: 'blocks', reason: 'slow_consumer', subscribed: false, position: at },
      { topic: 'transactions', channel: 'txs', reason: 'slow_consumer', subscribed: false, position: h.feeds.position('txs') },
    ]);
    expect(h.subs.held(s)).toEqual([]);
    expect(h.registry.total).toBe(0);
    await h.publish('blocks', 'block', '{"height":2}');
    expect(heights(peer)).toEqual([1]);
  });

  it('lets go of everything when the socket closes: registry readers, gauges and bus channels', async () => {
    const h = setup();
    const a = await h.open();
    const b = await h.open();
    await h.subscribe(a.s, 'blocks');
    await h.subscribe(a.s, 'transactions');
    await h.subscribe(b.s, 'blocks');
    a.peer.close();
    expect(h.subs.held(a.s)).toEqual([]);
    expect(h.registry.total).toBe(1);
    await h.feeds.idle();
    expect(h.feeds.subscribed()).toEqual(['blocks']);
    expect(await metricValue(h.metrics.subscriptions)).toBe(1);
  });
});
