// Limits, each hit through real sockets with its own code and chainfan_edge_limit_hits_total{limit}:
// connections per edge, per address, per API key across two edges (Redis leases), subscriptions per connection,
// inbound message rate, frame size, topic length.
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHash, MemoryBus, RedisLeaseStore, StaticKeyStore } from '@chainfan/bus';
import { type RedisHandle, startRedis, waitFor } from '@chainfan/testkit';
import { Authenticator, jwtLimitKey } from './auth/authenticator.js';
import { StaticJwtKeys } from './auth/jwt-keys.js';
import { TopicAcl } from './auth/topic-acl.js';
import { systemClock } from './clock.js';
import type { EdgeConfig } from './config.js';
import { type Harness, metricValue, silentLog, startHarness } from './testing/edge-harness.js';
import { inSeconds, signJwt } from './testing/jwt-sign.js';
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
    // B, the survivor, holds its lease far longer than any stall of a loaded machine, so only A's can expire;
    // A's TTL is short: the wait for it after A "dies" is short
    const a = await edge({ maxConnectionsPerKey: 2, keyLeaseTtlMs: 1_000 }, { authenticator: keyed(), leases: storeA, edgeId: 'edge-a' });
    const b = await edge({ maxConnectionsPerKey: 2, keyLeaseTtlMs: 600_000 }, { authenticator: keyed(), leases: storeB, edgeId: 'edge-b' });
    const onA = await a.connect('/?token=key-a');
    expect(await storeB.count(apiKeyLeaseKey())).toBe(1); // A's lease is in Redis before its client sees 101
    await b.connect('/?token=key-a');
    expect(await storeB.count(apiKeyLeaseKey())).toBe(2);
    const third = await upgradeStatus(`${b.url}/?token=key-a`);
    expect(third).toMatchObject({ status: 429, body: { data: { code: 1106 } } });
    expect(await upgradeStatus(`${a.url}/?token=key-a`)).toMatchObject({ status: 429 });
    expect((await upgradeStatus(`${a.url}/?token=key-b`)).status).toBe(101); // another key, its own budget
    expect(await metricValue(b.metrics.limitHits, { limit: 'connections_per_key' })).toBe(1);

    onA.close(); // released at once
    await waitFor(async () => (await storeB.count(apiKeyLeaseKey())) === 1);

    // edge A takes the freed slot, then "dies": its store connection goes, nothing refreshes or releases its lease
    await a.connect('/?token=key-a');
    expect(await storeB.count(apiKeyLeaseKey())).toBe(2);
    expect(await metricValue(a.metrics.limitHits, { limit: 'lease_store_unavailable' })).toBe(0);
    await storeA.close();
    expect((await upgradeStatus(`${b.url}/?token=key-a`)).status).toBe(429);
    // A's lease expires after A's TTL and the slot comes back
    await waitFor(async () => (await upgradeStatus(`${b.url}/?token=key-a`)).status === 101, { timeoutMs: 10_000, intervalMs: 100 });
    expect(b.edge.stats().keyLeases).toBe(2);
    expect(await metricValue(b.metrics.limitHits, { limit: 'lease_store_unavailable' })).toBe(0);
  });

  it('per API key holds when two edges admit the same key at the same moment: exactly the limit get in, the store counts each', async () => {
    const prefix = `kl-${randomUUID().slice(0, 8)}:`;
    const stores = [new RedisLeaseStore({ url: redis.url, keyPrefix: prefix }), new RedisLeaseStore({ url: redis.url, keyPrefix: prefix })];
    await Promise.all(stores.map((st) => st.ready(5_000)));
    open.push(...stores);
    const limit = 3;
    const edges = await Promise.all(stores.map((leases, i) =>
      edge({ maxConnectionsPerKey: limit, keyLeaseTtlMs: 600_000 }, { authenticator: keyed(), leases, edgeId: `edge-${i}` })));
    // 16 upgrades for one key, alternating edges, all in flight together
    const outcomes = await Promise.all(Array.from({ length: 16 }, (_, i) => tryUpgrade(`${edges[i % 2]!.url}/?token=key-a`)));
    expect(outcomes.filter((o) => o.status === 101)).toHaveLength(limit);
    expect(outcomes.filter((o) => o.status === 429)).toHaveLength(16 - limit);
    expect(await stores[0]!.count(apiKeyLeaseKey())).toBe(limit);
    expect(edges[0]!.edge.stats().keyLeases + edges[1]!.edge.stats().keyLeases).toBe(limit);
    for (const o of outcomes) o.ws.terminate();
  });

  it('per API key fails closed: with the lease store unreachable a keyed connection is refused 503 (1107), never admitted uncounted', async () => {
    const store = new RedisLeaseStore({ url: redis.url, keyPrefix: `kl-${randomUUID().slice(0, 8)}:` });
    await store.ready(5_000);
    const h = await edge({ maxConnectionsPerKey: 2 }, { authenticator: keyed(), leases: store, edgeId: 'edge-x' });
    await store.close(); // the store is gone: nothing can be counted
    expect(await upgradeStatus(`${h.url}/?token=key-a`)).toMatchObject({ status: 503, body: { data: { code: 1107 } } });
    expect(h.edge.stats().keyLeases).toBe(0);
    expect(h.edge.stats().connections).toBe(0);
    expect(await metricValue(h.metrics.limitHits, { limit: 'lease_store_unavailable' })).toBe(1);
    expect((await upgradeStatus(h.url)).status).toBe(101); // anonymous clients carry no per-key limit
  });

  it('per JWT subject across the cluster, like API keys: one subject over two edges and several tokens is held to the limit', async () => {
    const prefix = `kl-${randomUUID().slice(0, 8)}:`;
    const stores = [new RedisLeaseStore({ url: redis.url, keyPrefix: prefix }), new RedisLeaseStore({ url: redis.url, keyPrefix: prefix })];
    await Promise.all(stores.map((st) => st.ready(5_000)));
    open.push(...stores);
    const secret = 'a-shared-hs256-secret-of-32-bytes!';
    const jwtAuth = (): Authenticator => new Authenticator({
      jwt: { keys: new StaticJwtKeys({ hs256Secret: secret }), topicsClaim: 'topics', requireExp: true, clockSkewMs: 0, issuer: 'iss-1' },
      anonymous: TopicAcl.ALL, clock: systemClock, log: silentLog,
    });
    const [a, b] = await Promise.all(stores.map((leases, i) =>
      edge({ maxConnectionsPerKey: 3 }, { authenticator: jwtAuth(), leases, edgeId: `jwt-edge-${i}` })));
    // a fresh token each time (another jti): the limit follows the subject, not the token
    const tok = (sub: string, n: number) => signJwt('HS256', secret, { sub, iss: 'iss-1', jti: `t${n}`, exp: inSeconds(600) });
    const held = [
      await a!.connect(`/?token=${tok('alice', 1)}`),
      await b!.connect(`/?token=${tok('alice', 2)}`),
      await a!.connect(`/?token=${tok('alice', 3)}`),
    ];
    expect(await stores[0]!.count(jwtLimitKey('iss-1', 'alice'))).toBe(3);
    for (let i = 0; i < 6; i++) {
      expect(await upgradeStatus(`${(i % 2 === 0 ? a : b)!.url}/?token=${tok('alice', 10 + i)}`)).toMatchObject({ status: 429, body: { data: { code: 1106 } } });
    }
    expect((await upgradeStatus(`${b!.url}/?token=${tok('bob', 1)}`)).status).toBe(101); // another subject, its own budget
    expect(held.map((c) => c.closed)).toEqual([undefined, undefined, undefined]); // every admitted socket still open
    expect(await metricValue(a!.metrics.limitHits, { limit: 'connections_per_key' }) + await metricValue(b!.metrics.limitHits, { limit: 'connections_per_key' })).toBe(6);
  });
});

/** An upgrade that stays open when accepted (the caller terminates it): the HTTP status either way. */
function tryUpgrade(url: string): Promise<{ status: number; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, ws });
    });
    ws.once('error', (err) => {
      if (!err.message.startsWith('Unexpected server response')) reject(err);
    });
  });
}

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
