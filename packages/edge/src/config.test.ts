import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildAuth } from './auth/build-auth.js';
import { systemClock } from './clock.js';
import { authConfigFromEnv, DEFAULT_EDGE_CONFIG, edgeConfig, edgeConfigFromEnv, edgeEnv, loadEdgeEnv } from './config.js';
import { silentLog } from './testing/edge-harness.js';

describe('edge config', () => {
  it('defaults to the evrmore-rpc port and limits', () => {
    expect(DEFAULT_EDGE_CONFIG).toMatchObject({ port: 8765, maxPayloadBytes: 1_048_576, idleTimeoutSeconds: 120, maxBackpressureBytes: 1_048_576, slowClientPolicy: 'close' });
    expect(Object.isFrozen(edgeConfig({ port: 0 }))).toBe(true);
  });

  it('lists every invalid option at once', () => {
    expect(() => edgeConfig({ port: 70_000, idleTimeoutSeconds: 4, drainBatchSize: 0 })).toThrow(
      expect.objectContaining({ code: 'CHAINFAN_CONFIG_INVALID', message: expect.stringMatching(/port.*idleTimeoutSeconds.*drainBatchSize/) }),
    );
  });

  it('parses CHAINFAN_* variables into the Edge options', () => {
    const env = loadEdgeEnv({ CHAINFAN_EDGE_PORT: '9000', CHAINFAN_EDGE_MAX_PAYLOAD_BYTES: '65536', CHAINFAN_BUS: 'memory' });
    expect(env.CHAINFAN_EDGE_OPS_PORT).toBe(9465);
    expect(edgeConfigFromEnv(env)).toMatchObject({ port: 9000, maxPayloadBytes: 65_536, idleTimeoutSeconds: 120 });
    expect(() => loadEdgeEnv({ CHAINFAN_EDGE_PORT: 'x', CHAINFAN_EDGE_IDLE_TIMEOUT_SECONDS: '3' })).toThrow(/CHAINFAN_EDGE_PORT[\s\S]*CHAINFAN_EDGE_IDLE_TIMEOUT_SECONDS/);
  });

  it('parses the admission, limit and recovery variables', () => {
    const env = loadEdgeEnv({
      CHAINFAN_EDGE_SLOW_CLIENT_POLICY: 'drop-and-resync', CHAINFAN_EDGE_MAX_CONNECTIONS_PER_KEY: '5', CHAINFAN_EDGE_API_KEYS: `a, b ,sha256:${'0'.repeat(64)}`,
      CHAINFAN_EDGE_ANONYMOUS_TOPICS: 'blocks,address:*', CHAINFAN_EDGE_JWKS_URL: 'https://issuer.example/jwks.json',
    });
    expect(edgeConfigFromEnv(env)).toMatchObject({ slowClientPolicy: 'drop-and-resync', maxConnectionsPerKey: 5, maxConnections: 0, recentMessagesPerChannel: 1_024 });
    expect(authConfigFromEnv(env)).toMatchObject({
      apiKeys: ['a', 'b', `sha256:${'0'.repeat(64)}`], anonymousTopics: ['blocks', 'address:*'], allowedOrigins: [], jwksUrl: 'https://issuer.example/jwks.json', jwtRequireExp: true,
    });
    expect(authConfigFromEnv(loadEdgeEnv({})).anonymousTopics).toEqual(['*']);
    expect(() => loadEdgeEnv({ CHAINFAN_EDGE_SLOW_CLIENT_POLICY: 'ignore', CHAINFAN_EDGE_JWKS_URL: 'ftp://x', CHAINFAN_EDGE_MAX_TOPIC_LENGTH: '500' }))
      .toThrow(/CHAINFAN_EDGE_SLOW_CLIENT_POLICY[\s\S]*CHAINFAN_EDGE_MAX_TOPIC_LENGTH[\s\S]*CHAINFAN_EDGE_JWKS_URL/);
    expect(() => edgeConfig({ recentMessagesPerChannel: 10, maxConnections: -1 })).toThrow(/maxConnections[\s\S]*recentMessagesPerChannel/);
  });
});

describe('security settings fail closed', () => {
  const README = readFileSync(fileURLToPath(new URL('../../../docs/operations.md', import.meta.url)), 'utf8');
  const refused = (env: Record<string, string>, variable: string): void => {
    expect(() => loadEdgeEnv(env), JSON.stringify(env)).toThrow(expect.objectContaining({ code: 'CHAINFAN_CONFIG_INVALID', message: expect.stringContaining(variable) }) as Error);
  };

  it('CHAINFAN_EDGE_ANONYMOUS_TOPICS: the documented sentence and the parser agree — empty means credentials required, never open', async () => {
    // the config table's help is what --help and the docs print; the README says the same
    expect(edgeEnv.CHAINFAN_EDGE_ANONYMOUS_TOPICS.help).toContain('empty or none: no topic, credentials required (401)');
    expect(edgeEnv.CHAINFAN_EDGE_ANONYMOUS_TOPICS.help).toContain('* (the default, when unset)');
    expect(README).toContain('`CHAINFAN_EDGE_ANONYMOUS_TOPICS` takes the same patterns (`*` when unset;');
    expect(README).toContain('set but empty, or `none`, makes credentials mandatory: 401 without');
    const keys = { CHAINFAN_EDGE_API_KEYS: 'key-one' };
    for (const raw of ['', '  ', 'none', ' none ']) {
      const auth = authConfigFromEnv(loadEdgeEnv({ ...keys, CHAINFAN_EDGE_ANONYMOUS_TOPICS: raw }));
      expect(auth.anonymousTopics, JSON.stringify(raw)).toEqual([]);
      const { authenticator } = buildAuth(auth, { redisUrl: undefined, publicKeyPem: undefined, clock: systemClock, log: silentLog });
      expect(await authenticator.authenticate(undefined)).toEqual({ ok: false, reject: 'authRequired', reason: 'missing' });
    }
    expect(authConfigFromEnv(loadEdgeEnv(keys)).anonymousTopics).toEqual(['*']); // unset: the documented default
    // locked with no way to present credentials is a contradiction: start-up stops, naming the variable
    refused({ CHAINFAN_EDGE_ANONYMOUS_TOPICS: '' }, 'CHAINFAN_EDGE_ANONYMOUS_TOPICS');
    for (const bad of ['blocks,,mempool', 'blocks,', 'none,blocks', 'blocks;mempool', 'addr ess:*', 'nonsense-topic']) {
      refused({ ...keys, CHAINFAN_EDGE_ANONYMOUS_TOPICS: bad }, 'CHAINFAN_EDGE_ANONYMOUS_TOPICS');
    }
  });

  it('every other security setting: empty, malformed or contradictory values stop start-up naming the variable (exit 78)', () => {
    const cases: [Record<string, string>, string][] = [
      [{ CHAINFAN_EDGE_ALLOWED_ORIGINS: '' }, 'CHAINFAN_EDGE_ALLOWED_ORIGINS'],
      [{ CHAINFAN_EDGE_ALLOWED_ORIGINS: ' ' }, 'CHAINFAN_EDGE_ALLOWED_ORIGINS'],
      [{ CHAINFAN_EDGE_ALLOWED_ORIGINS: 'app.example.com' }, 'CHAINFAN_EDGE_ALLOWED_ORIGINS'],
      [{ CHAINFAN_EDGE_ALLOWED_ORIGINS: 'https://app.example.com/path' }, 'CHAINFAN_EDGE_ALLOWED_ORIGINS'],
      [{ CHAINFAN_EDGE_ALLOWED_ORIGINS: 'https://*' }, 'CHAINFAN_EDGE_ALLOWED_ORIGINS'],
      [{ CHAINFAN_EDGE_ALLOWED_ORIGINS: 'https://a.*.example.com' }, 'CHAINFAN_EDGE_ALLOWED_ORIGINS'],
      [{ CHAINFAN_EDGE_ALLOWED_ORIGINS: '*,https://app.example.com' }, 'CHAINFAN_EDGE_ALLOWED_ORIGINS'],
      [{ CHAINFAN_EDGE_ALLOWED_ORIGINS: 'https://a.example,,https://b.example' }, 'CHAINFAN_EDGE_ALLOWED_ORIGINS'],
      [{ CHAINFAN_EDGE_API_KEYS: 'k1,,k2' }, 'CHAINFAN_EDGE_API_KEYS'],
      [{ CHAINFAN_EDGE_API_KEYS: 'sha256:abc' }, 'CHAINFAN_EDGE_API_KEYS'],
      [{ CHAINFAN_EDGE_API_KEYS: 'has space' }, 'CHAINFAN_EDGE_API_KEYS'],
      [{ CHAINFAN_EDGE_ADMIN_API_KEYS: 'sha256:xyz' }, 'CHAINFAN_EDGE_ADMIN_API_KEYS'],
      [{ CHAINFAN_EDGE_JWT_HS256_SECRET: 'short' }, 'CHAINFAN_EDGE_JWT_HS256_SECRET'],
      [{ CHAINFAN_EDGE_JWT_HS256_SECRET: ' a-secret-with-a-stray-leading-space-0123' }, 'CHAINFAN_EDGE_JWT_HS256_SECRET'],
      [{ CHAINFAN_EDGE_JWKS_URL: 'http://issuer.example/jwks.json' }, 'CHAINFAN_EDGE_JWKS_URL'],
      [{ CHAINFAN_EDGE_JWT_ISSUER: 'issuer-1' }, 'CHAINFAN_EDGE_JWT_ISSUER'],
      [{ CHAINFAN_EDGE_JWT_AUDIENCE: 'edge' }, 'CHAINFAN_EDGE_JWT_AUDIENCE'],
      [{ CHAINFAN_EDGE_JWT_ADMIN_CLAIM: 'roles' }, 'CHAINFAN_EDGE_JWT_ADMIN_CLAIM'],
      [{ CHAINFAN_EDGE_API_KEYS_REDIS_SET: 'keys', CHAINFAN_BUS: 'memory' }, 'CHAINFAN_EDGE_API_KEYS_REDIS_SET'],
      [{ CHAINFAN_EDGE_TRUST_FORWARDED_FOR: 'maybe' }, 'CHAINFAN_EDGE_TRUST_FORWARDED_FOR'],
      [{ CHAINFAN_EDGE_JWT_REQUIRE_EXP: 'perhaps' }, 'CHAINFAN_EDGE_JWT_REQUIRE_EXP'],
    ];
    for (const [env, variable] of cases) refused(env, variable);
    // the same settings, well-formed, load
    const ok = loadEdgeEnv({
      CHAINFAN_EDGE_ALLOWED_ORIGINS: 'https://app.example.com, https://*.example.org:8443', CHAINFAN_EDGE_API_KEYS: `k1,sha256:${'a'.repeat(64)}`,
      CHAINFAN_EDGE_JWT_HS256_SECRET: 'x'.repeat(32), CHAINFAN_EDGE_JWT_ISSUER: 'issuer-1', CHAINFAN_EDGE_JWKS_URL: 'http://127.0.0.1:9/jwks.json',
    });
    expect(authConfigFromEnv(ok)).toMatchObject({ allowedOrigins: ['https://app.example.com', 'https://*.example.org:8443'], jwtIssuer: 'issuer-1' });
    expect(authConfigFromEnv(loadEdgeEnv({ CHAINFAN_EDGE_ALLOWED_ORIGINS: '*' })).allowedOrigins).toEqual(['*']);
    expect(authConfigFromEnv(loadEdgeEnv({})).allowedOrigins).toEqual([]); // unset: any origin, as documented
  });

  it('the ops endpoints bind loopback unless CHAINFAN_OPS_HOST says otherwise', () => {
    expect(loadEdgeEnv({}).CHAINFAN_OPS_HOST).toBe('127.0.0.1');
    expect(edgeEnv.CHAINFAN_OPS_HOST.help).toContain('loopback unless set');
  });
});
