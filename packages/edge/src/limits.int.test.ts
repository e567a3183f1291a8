// Limits, each hit through real sockets with its own code and chainfan_edge_limit_hits_total{limit}:
// connections per edge, per address, per API key across two edges (Redis leases), subscriptions per connection,
// inbound message rate, frame size, topic length.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHash, MemoryBus, RedisLeaseStore, StaticKeyStore } from '@chainfan/bus';
import { type RedisHandle, startRedis, waitFor } from '@chainfan/testkit';
import { Authenticator } from './auth/authenticator.js';
import { TopicAcl } from './auth/topic-acl.js';
import { systemClock } from './clock.js';
import type { EdgeConfig } from './config.js';
import { type Harness, metricValue, silentLog, startHarness } from './testing/edge-harness.js';
import { upgradeStatus } from './testing/upgrade-status.js';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function edge(cfg: Partial<EdgeConfig> = {}, deps: Parameters<typeof startHarness>[2] = {}): Promise<Harness> {
  const bus = new MemoryBus();
  open.push(bus);
  const h = await startHarness(bus, cfg, deps);
  open.push(h);
  return h;
}

const keyed = (): Authenticator => new Authenticator({ apiKeys: new StaticKeyStore(['key-a', 'key-b']), anonymous: TopicAcl.ALL, clock: systemClock, log: silentLog });

describe('connection limits', () => {
  it('per edge: 503 (1104) beyond maxConnections, admitted again once one closes', async () => {
    const h = await edge({ maxConnections: 2 });
    const a = await h.connect();
    await h.connect();
    expect(await upgradeStatus(h.url)).toMatchObject({ status: 503, body: { data: { code: 1104 } } });
    a.close();
    await waitFor(() => h.edge.stats().connections === 1);
    expect((await upgradeStatus(h.url)).status).toBe(101);
    expect(await metricValue(h.metrics.limitHits, { limit: 'connections_per_edge' })).toBe(1);
  });

  it('per address: 429 (1105); behind a trusted proxy the X-Forwarded-For address counts', async () => {
    const h = await edge({ maxConnectionsPerAddress: 1, trustForwardedFor: true });
    await h.connect();
    expect(await upgradeStatus(h.url)).toMatchObject({ status: 429, body: { data: { code: 1105 } } });
    await h.connect('/', { headers: { 'x-forwarded-for': '198.51.100.7' } });
    expect((await upgradeStatus(h.url, { headers: { 'x-forwarded-for': '203.0.113.1, 198.51.100.7' } })).status).toBe(429);
    expect(await metricValue(h.metrics.limitHits, { limit: 'connections_per_address' })).toBe(2);
  });

  it('per API key across the cluster: leases in Redis shared by two edges; released on close; expire when an edge dies', async () => {
    const prefix = `kl-${randomUUID().slice(0, 8)}:`;
    const storeA = new RedisLeaseStore({ url: redis.url, keyPrefix: prefix });
    const storeB = new RedisLeaseStore({ url: redis.url, keyPrefix: prefix });
    await Promise.all([storeA.ready(5_000), storeB.ready(5_000)]);
    open.push(storeB);
    // a TTL a loaded machine's timers can keep refreshing (refreshes run well within it), short enough to wait out
    const cfg = { maxConnectionsPerKey: 2, keyLeaseTtlMs: 2_000 };
    const a = await edge(cfg, { authenticator: keyed(), leases: storeA, edgeId: 'edge-a' });
    const b = await edge(cfg, { authenticator: keyed(), leases: storeB, edgeId: 'edge-b' });
    const onA = await a.connect('/?token=key-a');
    await b.connect('/?token=key-a');
    expect(await metricValue(a.metrics.limitHits, { limit: 'lease_store_unavailable' })).toBe(0);
    expect(await storeB.count(apiKeyLeaseKey())).toBe(2); // both leases are in Redis before the third asks
    const third = await upgradeStatus(`${b.url}/?token=key-a`);
    expect(await metricValue(b.metrics.limitHits, { limit: 'lease_store_unavailable' })).toBe(0);
    expect(third).toMatchObject({ status: 429, body: { data: { code: 1106 } } });
    expect(await upgradeStatus(`${a.url}/?token=key-a`)).toMatchObject({ status: 429 });
    expect((await upgradeStatus(`${a.url}/?token=key-b`)).status).toBe(101); // another key, its own budget
    expect(await metricValue(b.metrics.limitHits, { limit: 'connections_per_key' })).toBe(1);

    onA.close(); // released at once
    await waitFor(async () => (await storeB.count(apiKeyLeaseKey())) === 1);

    // edge A takes the freed slot, then "dies": its store connection goes, nothing refreshes or releases its lease
    await a.connect('/?token=key-a');
    expect(await storeB.count(apiKeyLeaseKey())).toBe(2);
    await storeA.close();
    expect((await upgradeStatus(`${b.url}/?token=key-a`)).status).toBe(429);
    // B keeps refreshing its own lease; A's expires after the TTL and the slot comes back
    await waitFor(async () => (await upgradeStatus(`${b.url}/?token=key-a`)).status === 101, { timeoutMs: 10_000, intervalMs: 100 });
    expect(b.edge.stats().keyLeases).toBe(2);
  });
});

/** The lease key of API key `key-a`: its sha256, as the Authenticator computes it. */
const apiKeyLeaseKey = (): string => apiKeyHash('key-a');

describe('per-connection limits', () => {
  it('queued requests: a whole subscription budget may wait behind a slow one; more than that closes with 4029', async () => {
    // a bus whose subscriptions wait until the test lets them through: requests queue behind the first one
    let open_: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      open_ = r;
    });
    class GatedBus extends MemoryBus {
      override async subscribe(channel: Parameters<MemoryBus['subscribe']>[0]): Promise<void> {
        await gate;
        return super.subscribe(channel);
      }
    }
    const bus = new GatedBus();
    open.push(bus);
    const h = await startHarness(bus, { maxPendingCommands: 2, maxSubscriptionsPerConnection: 4 });
    open.push(h);
    const topics = ['blocks', 'transactions', 'mempool', 'assets', 'sequence'];
    const fits = await h.connect();
    for (const topic of topics) fits.send({ action: 'subscribe', topic }); // 5 = the budget of 4, plus one over
    const flood = await h.connect();
    for (const topic of [...topics, 'reorgs']) flood.send({ action: 'subscribe', topic }); // 6: one more than that
    expect(await flood.waitForClose()).toMatchObject({ code: 4029 });
    open_();
    await waitFor(() => fits.frames.length === 5);
    expect(fits.frames.map((f) => f.json?.type)).toEqual(['subscription', 'subscription', 'subscription', 'subscription', 'error']);
    expect(fits.frames[4]!.json).toMatchObject({ data: { code: 1006 } });
    expect(fits.closed).toBeUndefined();
    expect(await metricValue(h.metrics.limitHits, { limit: 'pending_commands' })).toBe(1);
  });

  it('subscriptions per connection: 1006 beyond the limit', async () => {
    const h = await edge({ maxSubscriptionsPerConnection: 2 });
    const c = await h.connect();
    await c.command({ action: 'subscribe', topic: 'blocks' });
    await c.command({ action: 'subscribe', topic: 'transactions' });
    expect((await c.command({ action: 'subscribe', topic: 'mempool' })).json).toEqual({ type: 'error', data: { code: 1006, message: 'Too many subscriptions (limit 2)' } });
    expect(await metricValue(h.metrics.limitHits, { limit: 'subscriptions_per_connection' })).toBe(1);
  });

  it('inbound messages (token bucket): 1007 while limited, then 4029 when the client keeps flooding', async () => {
    const h = await edge({ messageRatePerSecond: 1, messageBurst: 3 });
    const c = await h.connect();
    for (let i = 0; i < 3; i++) c.send({ action: 'subscribe', topic: 'blocks' });
    c.send({ action: 'subscribe', topic: 'blocks' });
    await waitFor(() => c.frames.some((f) => f.json?.type === 'error'));
    expect(c.frames.find((f) => f.json?.type === 'error')?.json).toEqual({ type: 'error', data: { code: 1007, message: 'Rate limited (1 messages/s): command ignored' } });
    for (let i = 0; i < 10; i++) c.send({ action: 'subscribe', topic: 'blocks' });
    expect(await c.waitForClose()).toEqual({ code: 4029, reason: 'rate limited' });
    expect(await metricValue(h.metrics.limitHits, { limit: 'message_rate' })).toBeGreaterThanOrEqual(4);
    expect(await metricValue(h.metrics.connectionsClosed, { reason: 'rate_limited' })).toBe(1);
  });

  it('frame size: 1009 for a frame over maxPayloadBytes', async () => {
    const h = await edge({ maxPayloadBytes: 1_024 });
    const c = await h.connect();
    c.send('x'.repeat(2_048));
    expect((await c.waitForClose()).code).toBe(1009);
    expect(await metricValue(h.metrics.limitHits, { limit: 'frame_size' })).toBe(1);
  });

  it('topic length: 1008 beyond maxTopicLength (and beyond the protocol bound of 128)', async () => {
    const h = await edge({ maxTopicLength: 16 });
    const c = await h.connect();
    expect((await c.command({ action: 'subscribe', topic: 'address:EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1' })).json).toEqual({ type: 'error', data: { code: 1008, message: 'Topic too long (limit 16 characters)' } });
    expect((await c.command({ action: 'subscribe', topic: `asset:${'A'.repeat(200)}` })).json).toMatchObject({ type: 'error', data: { code: 1008 } });
    expect(await metricValue(h.metrics.limitHits, { limit: 'topic_length' })).toBe(2);
    expect((await c.command({ action: 'subscribe', topic: 'blocks' })).json?.type).toBe('subscription');
  });
});
