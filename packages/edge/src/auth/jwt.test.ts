import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signJwt } from '../testing/jwt-sign.js';
import { checkClaims, looksLikeJwt, parseJwt, verifySignature, type VerificationKey } from './jwt.js';
import { algForPublicKey, parseJwks } from './jwt-keys.js';

const secret = 'a-shared-secret-of-some-length';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const HS: VerificationKey = { alg: 'HS256', key: createSecretKey(Buffer.from(secret)) };
const RS: VerificationKey = { alg: 'RS256', key: rsa.publicKey };
const ES: VerificationKey = { alg: 'ES256', key: ec.publicKey };

function parsed(token: string) {
  const p = parseJwt(token);
  if (!p.ok) throw new Error(p.error);
  return p.value;
}

describe('JWT signatures (node:crypto)', () => {
  it('verifies HS256, RS256 and ES256 with the matching key only', () => {
    const hs = parsed(signJwt('HS256', secret, { sub: 'a' }));
    const rs = parsed(signJwt('RS256', rsa.privateKey, { sub: 'a' }));
    const es = parsed(signJwt('ES256', ec.privateKey, { sub: 'a' }));
    expect([verifySignature(hs, HS), verifySignature(rs, RS), verifySignature(es, ES)]).toEqual([true, true, true]);
    expect(verifySignature(hs, { alg: 'HS256', key: createSecretKey(Buffer.from('other')) })).toBe(false);
    expect(verifySignature(rs, { alg: 'RS256', key: generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey })).toBe(false);
    expect(verifySignature(es, RS)).toBe(false);
  });

  it('refuses algorithm confusion: an HS256 token "signed" with the RSA public key does not verify against it', () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const forged = parsed(signJwt('HS256', pem, { sub: 'evil' }));
    expect(verifySignature(forged, RS)).toBe(false);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`;
    expect(parseJwt(none)).toMatchObject({ ok: false });
  });

  it('detects tampering with the claims', () => {
    const t = signJwt('ES256', ec.privateKey, { topics: ['blocks'] });
    const [h, , s] = t.split('.');
    const tampered = parsed(`${h}.${Buffer.from('{"topics":["*"]}').toString('base64url')}.${s}`);
    expect(verifySignature(tampered, ES)).toBe(false);
  });

  it('parses only the compact shape, totally', () => {
    for (const bad of ['', 'abc', 'a.b.c', 'eyJ.e30.', `eyJ${'x'.repeat(9_000)}.a.b`, 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln']) {
      expect(parseJwt(bad).ok, bad.slice(0, 20)).toBe(false);
    }
    expect(looksLikeJwt('my-api-key-123')).toBe(false);
    expect(parseJwt(signJwt('HS256', secret, {}, { crit: ['exp'] }))).toMatchObject({ ok: false });
  });
});

describe('JWT claims', () => {
  const rules = { requireExp: true, clockSkewMs: 0 };
  const now = 1_700_000_000_000;
  it('checks exp, nbf (with leeway), iss and aud', () => {
    expect(checkClaims({ exp: now / 1000 + 60 }, rules, now)).toEqual({ ok: true, value: { expiresAtMs: now + 60_000 } });
    expect(checkClaims({ exp: now / 1000 - 1 }, rules, now)).toMatchObject({ ok: false, error: 'jwt_expired' });
    expect(checkClaims({ exp: now / 1000 - 1 }, { ...rules, clockSkewMs: 5_000 }, now)).toMatchObject({ ok: true });
    expect(checkClaims({}, rules, now)).toMatchObject({ ok: false, error: 'jwt_no_exp' });
    expect(checkClaims({}, { ...rules, requireExp: false }, now)).toEqual({ ok: true, value: { expiresAtMs: undefined } });
    expect(checkClaims({ exp: now / 1000 + 60, nbf: now / 1000 + 30 }, rules, now)).toMatchObject({ ok: false, error: 'jwt_not_yet_valid' });
    expect(checkClaims({ exp: 'soon' }, rules, now)).toMatchObject({ ok: false, error: 'jwt_claims' });
    expect(checkClaims({ exp: now / 1000 + 60, iss: 'x' }, { ...rules, issuer: 'y' }, now)).toMatchObject({ ok: false, error: 'jwt_issuer' });
    expect(checkClaims({ exp: now / 1000 + 60, aud: ['a', 'edge'] }, { ...rules, audience: 'edge' }, now)).toMatchObject({ ok: true });
    expect(checkClaims({ exp: now / 1000 + 60, aud: 'a' }, { ...rules, audience: 'edge' }, now)).toMatchObject({ ok: false, error: 'jwt_audience' });
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
