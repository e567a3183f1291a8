// Builds the Authenticator and Origin policy from AuthConfig (called by the composition root, which owns the I/O:
// the PEM file read, the Redis connection, the JWKS fetches).
import { type KeyStore, RedisKeyStore, type RedisTopology, StaticKeyStore } from '@chainfan/bus';
import { ChainfanError } from '@chainfan/protocol';
import type { Logger } from '@chainfan/telemetry';
import type { Clock } from '../clock.js';
import { type AuthConfig, authConfig } from '../config.js';
import { AnyKeyStore } from './any-key-store.js';
import { Authenticator } from './authenticator.js';
import { CombinedJwtKeys, JwksKeys, type JwtKeySource, StaticJwtKeys } from './jwt-keys.js';
import { OriginPolicy } from './origin-policy.js';
import { TopicAcl } from './topic-acl.js';

export interface BuiltAuth {
  readonly authenticator: Authenticator;
  readonly origins: OriginPolicy;
  /** the Redis set store, when configured: its owner waits for it and closes it */
  readonly redisKeys: RedisKeyStore | undefined;
  /** what is configured, for the start-up log line (no secrets) */
  readonly summary: Readonly<Record<string, unknown>>;
}

export function buildAuth(given: AuthConfig, deps: { redisUrl: string | undefined; redisTopology?: RedisTopology | undefined; publicKeyPem: string | undefined; clock: Clock; log: Logger }): BuiltAuth {
  const cfg = authConfig(given); // a hand-built config meets the table's checks too (throws CHAINFAN_CONFIG_INVALID)
  const log = deps.log.child({ component: 'auth' });
  const keyStores: KeyStore[] = [];
  const plain = cfg.apiKeys.filter((k) => !k.startsWith('sha256:'));
  const hashed = cfg.apiKeys.filter((k) => k.startsWith('sha256:')).map((k) => k.slice('sha256:'.length));
  if (plain.length + hashed.length > 0) keyStores.push(new StaticKeyStore(plain, hashed));
  let redisKeys: RedisKeyStore | undefined;
  if (cfg.apiKeysRedisSet !== undefined) {
    if (deps.redisUrl === undefined && deps.redisTopology === undefined) throw new ChainfanError('CHAINFAN_CONFIG_INVALID', 'CHAINFAN_EDGE_API_KEYS_REDIS_SET needs the Redis bus (CHAINFAN_BUS=redis)');
    redisKeys = new RedisKeyStore({ ...(deps.redisTopology !== undefined ? { topology: deps.redisTopology } : { url: deps.redisUrl ?? '' }), setKey: cfg.apiKeysRedisSet });
    keyStores.push(redisKeys);
  }
  const admins = cfg.adminApiKeys ?? [];
  const adminPlain = admins.filter((k) => !k.startsWith('sha256:'));
  const adminHashed = admins.filter((k) => k.startsWith('sha256:')).map((k) => k.slice('sha256:'.length));
  const adminKeys = adminPlain.length + adminHashed.length > 0 ? new StaticKeyStore(adminPlain, adminHashed) : undefined;
  const jwtSources: JwtKeySource[] = [];
  if (cfg.jwtHs256Secret !== undefined || deps.publicKeyPem !== undefined) {
    try {
      jwtSources.push(new StaticJwtKeys({
        ...(cfg.jwtHs256Secret === undefined ? {} : { hs256Secret: cfg.jwtHs256Secret }),
        publicKeysPem: deps.publicKeyPem === undefined ? [] : [deps.publicKeyPem],
      }));
    } catch (err) {
      throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `CHAINFAN_EDGE_JWT_PUBLIC_KEY_FILE: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  if (cfg.jwksUrl !== undefined) {
    jwtSources.push(new JwksKeys({ url: cfg.jwksUrl, cacheTtlMs: cfg.jwksCacheTtlMs, timeoutMs: cfg.jwksTimeoutMs, clock: deps.clock, log }));
  }
  const authenticator = new Authenticator({
    ...(keyStores.length === 0 ? {} : { apiKeys: keyStores.length === 1 ? keyStores[0]! : new AnyKeyStore(keyStores) }),
    ...(adminKeys === undefined ? {} : { adminKeys }),
    ...(jwtSources.length === 0 ? {} : {
      jwt: {
        keys: jwtSources.length === 1 ? jwtSources[0]! : new CombinedJwtKeys(jwtSources),
        topicsClaim: cfg.jwtTopicsClaim,
        ...(cfg.jwtAdminClaim === undefined ? {} : { adminClaim: cfg.jwtAdminClaim }),
        requireExp: cfg.jwtRequireExp,
        clockSkewMs: cfg.jwtClockSkewMs,
        ...(cfg.jwtIssuer === undefined ? {} : { issuer: cfg.jwtIssuer }),
        ...(cfg.jwtAudience === undefined ? {} : { audience: cfg.jwtAudience }),
      },
    }),
    anonymous: new TopicAcl(cfg.anonymousTopics),
    clock: deps.clock,
    log,
  });
  return {
    authenticator,
    origins: new OriginPolicy(cfg.allowedOrigins),
    redisKeys,
    summary: {
      apiKeys: plain.length + hashed.length,
      adminApiKeys: adminPlain.length + adminHashed.length,
      jwtAdminClaim: cfg.jwtAdminClaim ?? null,
      apiKeysRedisSet: cfg.apiKeysRedisSet !== undefined,
      jwtHs256: cfg.jwtHs256Secret !== undefined,
      jwtPublicKey: deps.publicKeyPem !== undefined,
      jwks: cfg.jwksUrl !== undefined,
      anonymousTopics: cfg.anonymousTopics,
      allowedOrigins: cfg.allowedOrigins.length === 0 ? 'any' : cfg.allowedOrigins,
    },
  };
}
