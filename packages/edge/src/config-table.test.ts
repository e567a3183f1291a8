import { describe, expect, it } from 'vitest';
import { MemoryBus } from '@chainfan/bus';
import { createEdgeMetrics, createRegistry, optionRows } from '@chainfan/telemetry';
import {
  type AuthConfig, authConfig, authConfigFromEnv, DEFAULT_EDGE_CONFIG, type EdgeConfig, edgeConfig, edgeConfigFromEnv, edgeEnv, loadEdgeEnv,
} from './config.js';
import { Edge } from './edge.js';
import { silentLog } from './testing/silent-log.js';

// The Edge's options have exactly one source: the option rows of `edgeEnv`. Type, defaults, bounds and env parsing
// are derived from it; these tests fail when a second copy of any of them appears or drifts.
const rows = optionRows(edgeEnv);
const keyOf = new Map(rows.map((r) => [r.key, r.name]));

/** Every key the EdgeConfig type has: a compile error here means the type gained a key no row declares. */
const TYPE_KEYS = {
  host: true, port: true, txsPartitions: true, maxPayloadBytes: true, idleTimeoutSeconds: true, maxBackpressureBytes: true, slowClientPolicy: true,
  backpressureCheckIntervalMs: true, maxEventFrameBytes: true, maxSubscriptionsPerConnection: true, maxPendingCommands: true,
  drainBatchSize: true, staticDir: true, maxConnections: true, maxConnectionsPerAddress: true, maxConnectionsPerKey: true,
  keyLeaseTtlMs: true, maxTopicLength: true, messageRatePerSecond: true, messageBurst: true, trustForwardedFor: true,
  recentMessagesPerChannel: true, recentBytesPerChannel: true, maxHeldMessagesPerChannel: true, historyPageSize: true,
  recoveryTimeoutMs: true, chainResumeMaxBlocks: true, statsIntervalMs: true, publicUrl: true, maxHttpBodyBytes: true,
} satisfies Record<keyof EdgeConfig, true>;

describe('the edge config table is the one source of the Edge options', () => {
  it('has one row per EdgeConfig key and no key twice', () => {
    expect(rows.map((r) => r.key).sort()).toEqual(Object.keys(TYPE_KEYS).sort());
    expect(keyOf.size).toBe(rows.length);
  });

  it('its defaults object is exactly what unset variables parse to', () => {
    expect(edgeConfigFromEnv(loadEdgeEnv({}))).toEqual(DEFAULT_EDGE_CONFIG);
    expect(edgeConfig()).toEqual(DEFAULT_EDGE_CONFIG);
    for (const { name, key, field: f, blankAsUnset } of rows) {
      const parsed = f.parse(undefined, name);
      expect(parsed.ok, name).toBe(true);
      if (parsed.ok) expect((DEFAULT_EDGE_CONFIG as Record<string, unknown>)[key], name).toEqual(blankAsUnset && parsed.value === '' ? undefined : parsed.value);
    }
    expect(Object.isFrozen(DEFAULT_EDGE_CONFIG)).toBe(true);
  });

  it('programmatic options meet the same bounds as the variables, and the error names both', () => {
    let checked = 0;
    for (const { name, key, field: f } of rows) {
      const { min, max } = f as { min?: number; max?: number };
      if (min !== undefined) {
        expect(() => loadEdgeEnv({ [name]: String(min - 1) }), name).toThrow(name);
        expect(() => edgeConfig({ [key]: min - 1 } as Partial<EdgeConfig>), key).toThrow(new RegExp(`${key} must be >= ${min}.*${name}`));
        expect(edgeConfig({ [key]: min } as Partial<EdgeConfig>)[key as keyof EdgeConfig]).toBe(min);
        checked++;
      }
      if (max !== undefined) {
        expect(() => loadEdgeEnv({ [name]: String(max + 1) }), name).toThrow(name);
        expect(() => edgeConfig({ [key]: max + 1 } as Partial<EdgeConfig>), key).toThrow(new RegExp(`${key} must be <= ${max}.*${name}`));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40); // every numeric option has both bounds
  });

  it('refuses wrong types, unknown policies, fractions and unknown keys', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ port: 80.5 }, /port must be an integer/],
      [{ port: '80' }, /port must be an integer/],
      [{ slowClientPolicy: 'ignore' }, /slowClientPolicy must be one of close, drop-and-resync/],
      [{ trustForwardedFor: 'yes' }, /trustForwardedFor must be true or false/],
      [{ publicUrl: 'http://x' }, /publicUrl has an invalid value/],
      [{ maxConnection: 3 }, /unknown edge option "maxConnection"/],
      [{ keyLeaseTtlMs: 300 }, /keyLeaseTtlMs must be >= 1000/],
    ];
    for (const [overrides, message] of bad) expect(() => edgeConfig(overrides as Partial<EdgeConfig>), JSON.stringify(overrides)).toThrow(message);
  });

  it('optional options are absent by default and when their variable is empty', () => {
    expect('staticDir' in DEFAULT_EDGE_CONFIG).toBe(false);
    expect('publicUrl' in edgeConfigFromEnv(loadEdgeEnv({ CHAINFAN_EDGE_PUBLIC_URL: '' }))).toBe(false);
    expect(edgeConfigFromEnv(loadEdgeEnv({ CHAINFAN_EDGE_STATIC_DIR: '/srv/www', CHAINFAN_EDGE_PUBLIC_URL: 'wss://s.example' })))
      .toMatchObject({ staticDir: '/srv/www', publicUrl: 'wss://s.example' });
    expect(edgeConfig({ staticDir: '/srv/www' }).staticDir).toBe('/srv/www');
  });

  it('an Edge built from a hand-written config object meets the same bounds', async () => {
    const bus = new MemoryBus();
    const metrics = createEdgeMetrics(createRegistry({ defaultMetrics: false }));
    const config = { ...DEFAULT_EDGE_CONFIG, port: 0, keyLeaseTtlMs: 300, maxPayloadBytes: 10 };
    expect(() => new Edge({ bus, log: silentLog, metrics, config })).toThrow(
      expect.objectContaining({ code: 'CHAINFAN_CONFIG_INVALID', message: expect.stringMatching(/maxPayloadBytes.*keyLeaseTtlMs/) }),
    );
    await bus.close();
  });
});

describe('the admission settings come from the same table (option group "auth")', () => {
  const authRows = optionRows(edgeEnv, 'auth');
  const AUTH_KEYS = {
    allowedOrigins: true, anonymousTopics: true, apiKeys: true, adminApiKeys: true, apiKeysRedisSet: true, jwtHs256Secret: true,
    jwtPublicKeyFile: true, jwksUrl: true, jwksCacheTtlMs: true, jwksTimeoutMs: true, jwtIssuer: true, jwtAudience: true,
    jwtTopicsClaim: true, jwtAdminClaim: true, jwtClockSkewMs: true, jwtRequireExp: true,
  } satisfies Record<keyof AuthConfig, true>;

  it('has one row per AuthConfig key, none shared with the Edge options, and its defaults are the unset variables\'', () => {
    expect(authRows.map((r) => r.key).sort()).toEqual(Object.keys(AUTH_KEYS).sort());
    expect(authRows.filter((r) => keyOf.has(r.key))).toEqual([]);
    expect(authConfig()).toEqual(authConfigFromEnv(loadEdgeEnv({})));
    expect(authConfig()).toEqual({
      allowedOrigins: [], anonymousTopics: ['*'], apiKeys: [], adminApiKeys: [], jwksCacheTtlMs: 600_000, jwksTimeoutMs: 3_000,
      jwtTopicsClaim: 'topics', jwtClockSkewMs: 30_000, jwtRequireExp: true,
    });
  });

  it('an empty JWT or key-set variable is an absent setting, as an explicit undefined is', () => {
    const env = loadEdgeEnv({ CHAINFAN_EDGE_JWT_ISSUER: '', CHAINFAN_EDGE_API_KEYS: 'k1', CHAINFAN_EDGE_JWT_HS256_SECRET: 'x'.repeat(32) });
    expect(env.CHAINFAN_EDGE_JWT_ISSUER).toBe(''); // the variable still parses to '' (the security checks read it so)
    const auth = authConfigFromEnv(env);
    expect('jwtIssuer' in auth).toBe(false);
    expect(auth.jwtHs256Secret).toBe('x'.repeat(32));
    expect('jwtIssuer' in authConfig({ jwtIssuer: undefined })).toBe(false);
  });

  it('programmatic lists are held to the variables\' entry checks, and bounds to theirs', () => {
    const bad: [Partial<AuthConfig>, string][] = [
      [{ apiKeys: ['has space'] }, 'CHAINFAN_EDGE_API_KEYS'],
      [{ apiKeys: ['a,b'] }, 'CHAINFAN_EDGE_API_KEYS'],
      [{ adminApiKeys: ['sha256:abc'] }, 'CHAINFAN_EDGE_ADMIN_API_KEYS'],
      [{ allowedOrigins: ['app.example.com'] }, 'CHAINFAN_EDGE_ALLOWED_ORIGINS'],
      [{ allowedOrigins: ['*', 'https://a.example'] }, 'CHAINFAN_EDGE_ALLOWED_ORIGINS'],
      [{ anonymousTopics: ['nonsense-topic'] }, 'CHAINFAN_EDGE_ANONYMOUS_TOPICS'],
      [{ anonymousTopics: ['none', 'blocks'] }, 'CHAINFAN_EDGE_ANONYMOUS_TOPICS'],
      [{ jwksCacheTtlMs: 10 }, 'CHAINFAN_EDGE_JWKS_CACHE_TTL_MS'],
      [{ jwtTopicsClaim: 'a claim' }, 'CHAINFAN_EDGE_JWT_TOPICS_CLAIM'],
      [{ jwksUrl: 'ftp://issuer' }, 'CHAINFAN_EDGE_JWKS_URL'],
    ];
    for (const [overrides, variable] of bad) expect(() => authConfig(overrides), JSON.stringify(overrides)).toThrow(variable);
    expect(authConfig({ anonymousTopics: [], apiKeys: ['k1', `sha256:${'a'.repeat(64)}`], allowedOrigins: ['https://*.example.org:8443'] }))
      .toMatchObject({ anonymousTopics: [], apiKeys: ['k1', `sha256:${'a'.repeat(64)}`] });
  });
});
