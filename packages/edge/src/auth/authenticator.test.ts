import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChainfanError } from '@chainfan/protocol';
import type { KeyStore } from '@chainfan/bus';
import { systemClock } from '../clock.js';
import { type AuthConfig } from '../config.js';
import { silentLog } from '../testing/silent-log.js';
import { inSeconds, signJwt } from '../testing/jwt-sign.js';
import { Authenticator, jwtLimitKey } from './authenticator.js';
import { buildAuth } from './build-auth.js';
import { TopicAcl } from './topic-acl.js';

const BASE: AuthConfig = {
  apiKeys: [], apiKeysRedisSet: undefined, jwtHs256Secret: undefined, jwtPublicKeyFile: undefined, jwksUrl: undefined,
  jwksCacheTtlMs: 60_000, jwksTimeoutMs: 1_000, jwtIssuer: undefined, jwtAudience: undefined, jwtTopicsClaim: 'topics',
  jwtClockSkewMs: 0, jwtRequireExp: true, anonymousTopics: ['*'], allowedOrigins: [], adminApiKeys: [],
};
const token = (t: string) => ({ token: t, source: 'query' as const });

describe('Authenticator', () => {
  it('verifies RS256 tokens against a configured PEM public key, and names the principal by sub', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const { authenticator } = buildAuth({ ...BASE, jwtIssuer: 'issuer-1' }, { redisUrl: undefined, publicKeyPem: pem, clock: systemClock, log: silentLog });
    const ok = await authenticator.authenticate(token(signJwt('RS256', rsa.privateKey, { sub: 'alice', iss: 'issuer-1', exp: inSeconds(60) })));
    expect(ok).toMatchObject({ ok: true, principal: { kind: 'jwt', id: 'sub:alice', limitKey: jwtLimitKey('issuer-1', 'alice') } });
    expect(await authenticator.authenticate(token(signJwt('RS256', rsa.privateKey, { iss: 'other', exp: inSeconds(60) }))))
      .toEqual({ ok: false, reject: 'invalidCredentials', reason: 'jwt_issuer' });
  });

  it('takes the algorithm from the configured key, never the token: HS256 signed with the RS public key, and alg none, fail', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const { authenticator } = buildAuth({ ...BASE, jwtHs256Secret: 'an-hs256-secret-of-at-least-32-bytes!' }, { redisUrl: undefined, publicKeyPem: pem, clock: systemClock, log: silentLog });
    const forged = signJwt('HS256', pem, { sub: 'mallory', exp: inSeconds(60) });
    expect(await authenticator.authenticate(token(forged))).toEqual({ ok: false, reject: 'invalidCredentials', reason: 'jwt_bad_signature' });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const none of [`${b64({ alg: 'none' })}.${b64({ sub: 'mallory', exp: inSeconds(60) })}.AA`, `${b64({ alg: 'None', typ: 'JWT' })}.${b64({ sub: 'm', exp: inSeconds(60) })}.AA`]) {
      expect(await authenticator.authenticate(token(none))).toEqual({ ok: false, reject: 'invalidCredentials', reason: 'jwt_alg' });
    }
    // the genuine article still works
    expect(await authenticator.authenticate(token(signJwt('RS256', rsa.privateKey, { sub: 'alice', exp: inSeconds(60) })))).toMatchObject({ ok: true });
  });

  it('gives every JWT subject one per-limit key per issuer, and tokens without sub one shared key (no escape from the limit)', () => {
    expect(jwtLimitKey('i', 'alice')).toBe(jwtLimitKey('i', 'alice'));
    expect(jwtLimitKey('i', 'alice')).not.toBe(jwtLimitKey('j', 'alice'));
    expect(jwtLimitKey('i', 'alice')).not.toBe(jwtLimitKey('i', 'bob'));
    expect(jwtLimitKey('i', undefined)).toBe(jwtLimitKey('i', 42));
    expect(jwtLimitKey('i', undefined)).not.toBe(jwtLimitKey('i', 'none'));
  });

  it('refuses a PEM that is not an RSA or P-256 public key as a configuration error', () => {
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => buildAuth(BASE, { redisUrl: undefined, publicKeyPem: ed, clock: systemClock, log: silentLog }))
      .toThrow(expect.objectContaining({ code: 'CHAINFAN_CONFIG_INVALID' }) as ChainfanError);
  });

  it('asks the key store once per key and TTL (a reconnect storm is not a Redis storm), and fails closed on errors', async () => {
    let asked = 0;
    let failing = false;
    const store: KeyStore = {
      has: async (k) => {
        asked++;
        if (failing) throw new ChainfanError('CHAINFAN_BUS_DOWN', 'down');
        return k === 'good';
      },
      close: async () => undefined,
    };
    const a = new Authenticator({ apiKeys: store, anonymous: TopicAcl.NONE, clock: systemClock, log: silentLog });
    for (let i = 0; i < 5; i++) expect(await a.authenticate(token('good'))).toMatchObject({ ok: true, principal: { kind: 'api_key', id: expect.stringMatching(/^key:[0-9a-f]{12}$/) } });
    expect(asked).toBe(1);
    failing = true;
    expect(await a.authenticate(token('unknown'))).toEqual({ ok: false, reject: 'authUnavailable', reason: 'backend_unavailable' });
    expect(await a.authenticate(undefined)).toEqual({ ok: false, reject: 'authRequired', reason: 'missing' });
  });

  it('ignores presented tokens when no credential kind is configured (everyone anonymous)', async () => {
    const a = Authenticator.open(systemClock, silentLog);
    expect(await a.authenticate(token('whatever'))).toMatchObject({ ok: true, principal: { kind: 'anonymous' } });
  });
});
