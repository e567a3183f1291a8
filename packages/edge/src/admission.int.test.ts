// Admission at upgrade, through real uWS and ws clients: every credential path accepted and refused
// with its HTTP status before a socket exists, Origin, anonymous access per topic, and topic claims.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHash, MemoryBus } from '@chainfan/bus';
import { type RedisHandle, redisCommand, startRedis, waitFor } from '@chainfan/testkit';
import { buildAuth } from './auth/build-auth.js';
import { systemClock } from './clock.js';
import type { AuthConfig, EdgeConfig } from './config.js';
import { type Harness, metricValue, silentLog, startHarness } from './testing/edge-harness.js';
import { inSeconds, signJwt } from './testing/jwt-sign.js';
import { upgradeStatus } from './testing/upgrade-status.js';

const SECRET = 'hs256-test-secret-0123456789';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

const NO_AUTH: AuthConfig = {
  apiKeys: [], apiKeysRedisSet: undefined, jwtHs256Secret: undefined, jwtPublicKeyFile: undefined, jwksUrl: undefined,
  jwksCacheTtlMs: 60_000, jwksTimeoutMs: 1_000, jwtIssuer: undefined, jwtAudience: undefined, jwtTopicsClaim: 'topics',
  jwtClockSkewMs: 0, jwtRequireExp: true, anonymousTopics: [], allowedOrigins: [], adminApiKeys: [],
};

let redis: RedisHandle;
let jwks: Server;
let jwksUrl: string;
let jwksFetches = 0;
let jwksDown = false;

beforeAll(async () => {
  redis = await startRedis();
  jwks = createServer((req, res) => {
    jwksFetches++;
    if (jwksDown) {
      res.writeHead(500).end();
      return;
    }
    const jwk = (k: KeyObject, kid: string) => ({ ...k.export({ format: 'jwk' }), kid, use: 'sig' });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk(rsa.publicKey, 'rsa-1'), jwk(ec.publicKey, 'ec-1')] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/.well-known/jwks.json`;
});
afterAll(async () => {
  await new Promise((r) => jwks?.close(r));
  await redis?.stop();
});

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

async function edgeWith(auth: Partial<AuthConfig>, cfg: Partial<EdgeConfig> = {}): Promise<Harness> {
  const bus = new MemoryBus();
  const built = buildAuth({ ...NO_AUTH, ...auth }, { redisUrl: redis.url, publicKeyPem: undefined, clock: systemClock, log: silentLog });
  if (built.redisKeys !== undefined) {
    await built.redisKeys.ready(5_000);
    open.push(built.redisKeys);
  }
  open.push(bus);
  const h = await startHarness(bus, cfg, { authenticator: built.authenticator, origins: built.origins });
  open.push(h);
  return h;
}

describe('admission: JWT', () => {
  it('HS256: accepted from ?token=, Authorization: Bearer and a bearer.<token> subprotocol; refused 401 when wrong', async () => {
    const h = await edgeWith({ jwtHs256Secret: SECRET });
    const good = signJwt('HS256', SECRET, { sub: 'alice', exp: inSeconds(60) });
    expect((await upgradeStatus(`${h.url}/?token=${good}`)).status).toBe(101);
    expect((await upgradeStatus(h.url, { headers: { authorization: `Bearer ${good}` } })).status).toBe(101);
    expect(await upgradeStatus(h.url, { protocols: ['chainfan', `bearer.${good}`] })).toMatchObject({ status: 101, protocol: 'chainfan' });

    const forged = signJwt('HS256', 'not-the-secret', { sub: 'mallory', exp: inSeconds(60) });
    expect(await upgradeStatus(`${h.url}/?token=${forged}`)).toEqual({ status: 401, body: { type: 'error', data: { code: 1102, message: 'invalid or expired credentials' } } });
    expect((await upgradeStatus(`${h.url}/?token=${signJwt('HS256', SECRET, { exp: inSeconds(-60) })}`)).status).toBe(401);
    expect((await upgradeStatus(`${h.url}/?token=${signJwt('HS256', SECRET, { exp: inSeconds(60), nbf: inSeconds(30) })}`)).status).toBe(401);
    expect((await upgradeStatus(`${h.url}/?token=${signJwt('HS256', SECRET, { sub: 'no-exp' })}`)).status).toBe(401);
    expect(await upgradeStatus(h.url)).toEqual({ status: 401, body: { type: 'error', data: { code: 1101, message: 'authentication required' } } });
    for (const reason of ['jwt_bad_signature', 'jwt_expired', 'jwt_not_yet_valid', 'jwt_no_exp', 'missing']) {
      expect(await metricValue(h.metrics.authFailures, { reason }), reason).toBe(1);
    }
    expect(await metricValue(h.metrics.authSuccesses, { reason: 'jwt' })).toBe(3);
    expect(h.edge.stats().connections).toBe(0);
  });

  it('RS256 and ES256 from a JWKS URL (fetched once, cached); unknown kid and wrong key refused', async () => {
    jwksFetches = 0;
    const h = await edgeWith({ jwksUrl });
    const rs = signJwt('RS256', rsa.privateKey, { sub: 'r', exp: inSeconds(60) }, { kid: 'rsa-1' });
    const es = signJwt('ES256', ec.privateKey, { sub: 'e', exp: inSeconds(60) }, { kid: 'ec-1' });
    expect((await upgradeStatus(`${h.url}/?token=${rs}`)).status).toBe(101);
    expect((await upgradeStatus(`${h.url}/?token=${es}`)).status).toBe(101);
    expect((await upgradeStatus(`${h.url}/?token=${es}`)).status).toBe(101);
    expect(jwksFetches).toBe(1);
    const otherEc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect((await upgradeStatus(`${h.url}/?token=${signJwt('ES256', otherEc.privateKey, { exp: inSeconds(60) }, { kid: 'ec-1' })}`)).status).toBe(401);
    expect((await upgradeStatus(`${h.url}/?token=${signJwt('ES256', ec.privateKey, { exp: inSeconds(60) }, { kid: 'nope' })}`)).status).toBe(401);
    expect(await metricValue(h.metrics.authFailures, { reason: 'jwt_bad_signature' })).toBe(1);
    expect(await metricValue(h.metrics.authFailures, { reason: 'jwt_unknown_key' })).toBe(1);
  });

  it('answers 503 while the JWKS endpoint fails and nothing is cached (fails closed, retry later)', async () => {
    jwksDown = true;
    try {
      const h = await edgeWith({ jwksUrl });
      const es = signJwt('ES256', ec.privateKey, { exp: inSeconds(60) }, { kid: 'ec-1' });
      expect(await upgradeStatus(`${h.url}/?token=${es}`)).toMatchObject({ status: 503, body: { data: { code: 1107 } } });
      expect(await metricValue(h.metrics.authFailures, { reason: 'backend_unavailable' })).toBe(1);
    } finally {
      jwksDown = false;
    }
  });

  it('limits subscriptions to the topics claim', async () => {
    const h = await edgeWith({ jwtHs256Secret: SECRET });
    const token = signJwt('HS256', SECRET, { exp: inSeconds(60), topics: ['blocks', 'address:*'] });
    const c = await h.connect(`/?token=${token}`);
    expect((await c.command({ action: 'subscribe', topic: 'block' })).json?.type).toBe('subscription');
    expect((await c.command({ action: 'subscribe', topic: 'address:EXqnhbyjEF8Wg6qXpV4yn6r5DXkZQkqNS1' })).json?.type).toBe('subscription');
    expect((await c.command({ action: 'subscribe', topic: 'transactions' })).json).toEqual({ type: 'error', data: { code: 1009, message: 'Topic not allowed: transactions' } });
    expect(await metricValue(h.metrics.clientErrors, { reason: 'topic_not_allowed' })).toBe(1);
  });

  it('closes the socket with 4401 when its token expires', async () => {
    const h = await edgeWith({ jwtHs256Secret: SECRET });
    const c = await h.connect(`/?token=${signJwt('HS256', SECRET, { exp: inSeconds(1) })}`);
    expect(await c.waitForClose(5_000)).toEqual({ code: 4401, reason: 'token expired' });
    expect(await metricValue(h.metrics.connectionsClosed, { reason: 'token_expired' })).toBe(1);
  });
});

describe('admission: API keys', () => {
  it('static list (plain or sha256:<hex>): accepted; unknown keys refused 401', async () => {
    const h = await edgeWith({ apiKeys: ['key-plain-1', `sha256:${apiKeyHash('key-hashed-2')}`] });
    expect((await upgradeStatus(`${h.url}/?token=key-plain-1`)).status).toBe(101);
    expect((await upgradeStatus(h.url, { headers: { authorization: 'Bearer key-hashed-2' } })).status).toBe(101);
    expect((await upgradeStatus(`${h.url}/?token=key-plain-2`)).status).toBe(401);
    expect(await metricValue(h.metrics.authFailures, { reason: 'invalid_api_key' })).toBe(1);
    expect(await metricValue(h.metrics.authSuccesses, { reason: 'api_key' })).toBe(2);
  });

  it('Redis set: keys added to the set are accepted, others refused; 503 while Redis is unreachable', async () => {
    const setKey = `edge-keys-${Date.now()}`;
    await redisCommand(redis.url, ['SADD', setKey, 'redis-key-1', apiKeyHash('redis-key-2')]);
    const h = await edgeWith({ apiKeysRedisSet: setKey });
    expect((await upgradeStatus(`${h.url}/?token=redis-key-1`)).status).toBe(101);
    expect((await upgradeStatus(`${h.url}/?token=redis-key-2`)).status).toBe(101);
    expect((await upgradeStatus(`${h.url}/?token=redis-key-3`)).status).toBe(401);
  });

  it('Redis set unreachable → 503 (fails closed)', async () => {
    const own = await startRedis();
    open.push({ close: () => own.stop() });
    const built = buildAuth({ ...NO_AUTH, apiKeysRedisSet: 'k' }, { redisUrl: own.url, publicKeyPem: undefined, clock: systemClock, log: silentLog });
    await built.redisKeys!.ready(5_000);
    open.push(built.redisKeys!);
    const bus = new MemoryBus();
    open.push(bus);
    const h = await startHarness(bus, {}, { authenticator: built.authenticator });
    open.push(h);
    await own.kill();
    expect(await upgradeStatus(`${h.url}/?token=some-key`)).toMatchObject({ status: 503, body: { data: { code: 1107 } } });
  });
});

describe('admission: Origin and anonymous access', () => {
  it('refuses Origins not on the allow-list with 403; requests without Origin are judged by credentials only', async () => {
    const h = await edgeWith({ anonymousTopics: ['*'], allowedOrigins: ['https://app.example.com', 'https://*.example.org'] });
    expect((await upgradeStatus(h.url, { headers: { origin: 'https://app.example.com' } })).status).toBe(101);
    expect((await upgradeStatus(h.url, { headers: { origin: 'https://x.example.org' } })).status).toBe(101);
    expect(await upgradeStatus(h.url, { headers: { origin: 'https://evil.example.net' } })).toEqual({ status: 403, body: { type: 'error', data: { code: 1103, message: 'origin not allowed' } } });
    expect((await upgradeStatus(h.url)).status).toBe(101);
    expect(await metricValue(h.metrics.authFailures, { reason: 'origin' })).toBe(1);
  });

  it('lets anonymous clients use only the configured topic kinds; credentials unlock the rest', async () => {
    const h = await edgeWith({ anonymousTopics: ['blocks', 'sequence'], apiKeys: ['k1'] });
    const anon = await h.connect();
    expect((await anon.command({ action: 'subscribe', topic: 'blocks' })).json?.type).toBe('subscription');
    expect((await anon.command({ action: 'subscribe', topic: 'transactions' })).json).toMatchObject({ type: 'error', data: { code: 1009 } });
    const keyed = await h.connect('/?token=k1');
    expect((await keyed.command({ action: 'subscribe', topic: 'transactions' })).json?.type).toBe('subscription');
    expect(await metricValue(h.metrics.authSuccesses, { reason: 'anonymous' })).toBe(1);
  });

  it('refuses the upgrade (401) without credentials when no topic is open anonymously', async () => {
    const h = await edgeWith({ anonymousTopics: [], apiKeys: ['k1'] });
    expect((await upgradeStatus(h.url)).status).toBe(401);
    await waitFor(async () => (await metricValue(h.metrics.authFailures, { reason: 'missing' })) === 1);
  });
});
