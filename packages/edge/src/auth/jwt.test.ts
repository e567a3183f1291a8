import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signJwt } from '../testing/jwt-sign.js';
import { looksLikeJwt, readHeader, type VerificationKey, verifyJwt } from './jwt.js';
import { algForPublicKey, parseJwks } from './jwt-keys.js';

const secret = 'a-shared-secret-of-some-length-32b';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const HS: VerificationKey = { alg: 'HS256', key: createSecretKey(Buffer.from(secret)) };
const RS: VerificationKey = { alg: 'RS256', key: rsa.publicKey };
const ES: VerificationKey = { alg: 'ES256', key: ec.publicKey };
const now = 1_700_000_000_000;
const exp = now / 1000 + 60;
const rules = { requireExp: true, clockSkewMs: 0 };
const verify = (t: string, keys: readonly VerificationKey[], r: Parameters<typeof verifyJwt>[2] = rules) => verifyJwt(t, keys, r, now);

describe('JWT signatures (jose)', () => {
  it('verifies HS256, RS256 and ES256 with the matching key only', async () => {
    const hs = signJwt('HS256', secret, { sub: 'a', exp });
    const rs = signJwt('RS256', rsa.privateKey, { sub: 'a', exp });
    const es = signJwt('ES256', ec.privateKey, { sub: 'a', exp });
    expect(await verify(hs, [HS])).toEqual({ ok: true, value: { claims: { sub: 'a', exp }, expiresAtMs: exp * 1000 } });
    expect(await verify(rs, [RS])).toMatchObject({ ok: true });
    expect(await verify(es, [ES])).toMatchObject({ ok: true });
    expect(await verify(hs, [{ alg: 'HS256', key: createSecretKey(Buffer.from('other-secret-of-32-bytes-length!')) }])).toMatchObject({ ok: false, error: 'jwt_bad_signature' });
    expect(await verify(rs, [{ alg: 'RS256', key: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey }])).toMatchObject({ ok: false, error: 'jwt_bad_signature' });
    // a rotated key set: the second candidate verifies
    expect(await verify(rs, [{ alg: 'RS256', key: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey }, RS])).toMatchObject({ ok: true });
    expect(await verify(rs, [])).toMatchObject({ ok: false, error: 'jwt_unknown_key' });
  });

  it('refuses algorithm confusion: an HS256 token "signed" with the RSA public key never verifies against it', async () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const forged = signJwt('HS256', pem, { sub: 'evil', exp });
    // the key decides the algorithm: the RS256 key allows only RS256
    expect(await verify(forged, [RS])).toMatchObject({ ok: false, error: 'jwt_alg' });
    // even handed the PEM text as an HMAC secret by a confused caller, the RS key entry is not an HMAC key
    expect(await verify(forged, [{ alg: 'RS256', key: createSecretKey(Buffer.from(pem)) }])).toMatchObject({ ok: false });
  });

  it('refuses alg "none" (and any algorithm it does not verify) before looking for keys', async () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.`;
    expect(readHeader(none)).toMatchObject({ ok: false });
    const noneSig = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.AA`;
    expect(readHeader(noneSig)).toMatchObject({ ok: false, error: 'jwt_alg' });
    expect(await verify(noneSig, [HS, RS, ES])).toMatchObject({ ok: false });
    const hs512 = `${Buffer.from('{"alg":"HS512"}').toString('base64url')}.e30.AA`;
    expect(readHeader(hs512)).toMatchObject({ ok: false, error: 'jwt_alg' });
  });

  it('detects tampering with the claims', async () => {
    const t = signJwt('ES256', ec.privateKey, { topics: ['blocks'], exp });
    const [h, , s] = t.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ topics: ['*'], exp })).toString('base64url')}.${s}`;
    expect(await verify(tampered, [ES])).toMatchObject({ ok: false, error: 'jwt_bad_signature' });
  });

  it('parses only the compact shape, totally', async () => {
    for (const bad of ['', 'abc', 'a.b.c', 'eyJ.e30.', `eyJ${'x'.repeat(9_000)}.a.b`, 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln']) {
      expect(readHeader(bad).ok && (await verify(bad, [HS])).ok, bad.slice(0, 20)).toBe(false);
    }
    expect(looksLikeJwt('my-api-key-123')).toBe(false);
    expect(await verify(signJwt('HS256', secret, { exp }, { crit: ['exp'] }), [HS])).toMatchObject({ ok: false, error: 'jwt_malformed' });
  });
});

describe('JWT claims (jose, bounded labels)', () => {
  const tok = (claims: Record<string, unknown>) => signJwt('HS256', secret, claims);
  it('checks exp, nbf (with leeway), iss and aud', async () => {
    expect(await verify(tok({ exp: now / 1000 + 60 }), [HS])).toMatchObject({ ok: true, value: { expiresAtMs: now + 60_000 } });
    expect(await verify(tok({ exp: now / 1000 - 1 }), [HS])).toMatchObject({ ok: false, error: 'jwt_expired' });
    expect(await verify(tok({ exp: now / 1000 - 1 }), [HS], { ...rules, clockSkewMs: 5_000 })).toMatchObject({ ok: true });
    expect(await verify(tok({}), [HS])).toMatchObject({ ok: false, error: 'jwt_no_exp' });
    expect(await verify(tok({}), [HS], { ...rules, requireExp: false })).toEqual({ ok: true, value: { claims: {}, expiresAtMs: undefined } });
    expect(await verify(tok({ exp: now / 1000 + 60, nbf: now / 1000 + 30 }), [HS])).toMatchObject({ ok: false, error: 'jwt_not_yet_valid' });
    expect(await verify(tok({ exp: 'soon' }), [HS])).toMatchObject({ ok: false, error: 'jwt_claims' });
    expect(await verify(tok({ exp: now / 1000 + 60, iss: 'x' }), [HS], { ...rules, issuer: 'y' })).toMatchObject({ ok: false, error: 'jwt_issuer' });
    expect(await verify(tok({ exp: now / 1000 + 60, aud: ['a', 'edge'] }), [HS], { ...rules, audience: 'edge' })).toMatchObject({ ok: true });
    expect(await verify(tok({ exp: now / 1000 + 60, aud: 'a' }), [HS], { ...rules, audience: 'edge' })).toMatchObject({ ok: false, error: 'jwt_audience' });
  });
});

describe('JWKS documents', () => {
  it('takes RSA and P-256 signing keys with their kid and skips what it cannot use', () => {
    const keys = parseJwks({
      keys: [
        { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'r1', use: 'sig', alg: 'RS256' },
        { ...ec.publicKey.export({ format: 'jwk' }), kid: 'e1' },
        { ...ec.publicKey.export({ format: 'jwk' }), kid: 'enc', use: 'enc' },
        { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'wrong-alg', alg: 'ES256' },
        { kty: 'oct', k: 'c2VjcmV0' },
        { kty: 'RSA', n: 'garbage', e: 'AQAB', kid: 'broken' },
        'not an object',
      ],
    });
    expect(keys.map((k) => [k.kid, k.alg])).toEqual([['r1', 'RS256'], ['e1', 'ES256']]);
    expect(() => parseJwks({ nope: [] })).toThrow();
    expect(algForPublicKey(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey)).toBeUndefined();
  });
});
