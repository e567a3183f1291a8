// JWS compact tokens (RFC 7515/7519) verified with node:crypto only: HS256, RS256, ES256. Total functions over the
// untrusted token text; the algorithm is taken from the key, never trusted from the token header alone.
import { createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import { type Decoded, fail, ok } from '@chainfan/protocol';

export type JwtAlg = 'HS256' | 'RS256' | 'ES256';
export const JWT_ALGS: readonly JwtAlg[] = ['HS256', 'RS256', 'ES256'];

/** Bounded label values of chainfan_edge_auth_failures_total for token problems. */
export type JwtError =
  | 'jwt_malformed'
  | 'jwt_alg'
  | 'jwt_unknown_key'
  | 'jwt_bad_signature'
  | 'jwt_expired'
  | 'jwt_not_yet_valid'
  | 'jwt_no_exp'
  | 'jwt_issuer'
  | 'jwt_audience'
  | 'jwt_claims';

/** A key a token may be signed with: an HMAC secret (HS256) or a public key (RS256, ES256 on P-256). */
export interface VerificationKey {
  readonly alg: JwtAlg;
  /** JWKS `kid`; tokens naming a kid only try keys with that kid */
  readonly kid?: string;
  readonly key: KeyObject;
}

export interface JwtHeader {
  readonly alg: string;
  readonly kid?: string;
}

export type JwtClaims = Readonly<Record<string, unknown>>;

export interface ParsedJwt {
  readonly header: JwtHeader;
  readonly claims: JwtClaims;
  /** `<header>.<payload>` as sent: what the signature covers */
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** Longest token looked at; a JWT with a short topic list is well under 2 KiB. */
export const MAX_TOKEN_LENGTH = 8_192;

const B64URL = /^[A-Za-z0-9_-]*$/;

function json(segment: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // not JSON: a malformed token, reported as such by the caller
  }
}

/** Whether `token` has the compact JWS shape at all (three base64url segments); cheap, for telling JWTs from API keys. */
export function looksLikeJwt(token: string): boolean {
  if (token.length > MAX_TOKEN_LENGTH) return false;
  const parts = token.split('.');
  return parts.length === 3 && parts.every((p) => p.length > 0 && B64URL.test(p)) && token.startsWith('eyJ');
}

/** Total: splits and decodes a compact JWS without verifying anything. */
export function parseJwt(token: string): Decoded<ParsedJwt, JwtError> {
  if (!looksLikeJwt(token)) return fail('jwt_malformed');
  const [h, p, sig] = token.split('.') as [string, string, string];
  const header = json(h);
  const claims = json(p);
  if (header === undefined || claims === undefined) return fail('jwt_malformed');
  if (typeof header['alg'] !== 'string') return fail('jwt_malformed');
  if (header['kid'] !== undefined && typeof header['kid'] !== 'string') return fail('jwt_malformed');
  if (header['crit'] !== undefined) return fail('jwt_malformed'); // no extension we understand may be critical
  const hdr: JwtHeader = typeof header['kid'] === 'string' ? { alg: header['alg'], kid: header['kid'] } : { alg: header['alg'] };
  return ok({ header: hdr, claims, signingInput: `${h}.${p}`, signature: Buffer.from(sig, 'base64url') });
}

/** Checks the signature with one key whose algorithm must be the token's. Never throws. */
export function verifySignature(jwt: ParsedJwt, k: VerificationKey): boolean {
  if (jwt.header.alg !== k.alg) return false;
  const data = Buffer.from(jwt.signingInput, 'ascii');
  try {
    switch (k.alg) {
      case 'HS256': {
        const mac = createHmac('sha256', k.key).update(data).digest();
        return mac.length === jwt.signature.length && timingSafeEqual(mac, jwt.signature);
      }
      case 'RS256':
        return verify('sha256', data, k.key, jwt.signature);
      case 'ES256':
        // JWS carries ECDSA signatures as raw r‖s (64 bytes), not DER
        return jwt.signature.length === 64 && verify('sha256', data, { key: k.key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
    }
  } catch {
    return false; // a key of the wrong type for its algorithm (misconfiguration) verifies nothing
  }
}

export interface ClaimRules {
  readonly issuer?: string;
  readonly audience?: string;
  readonly requireExp: boolean;
  readonly clockSkewMs: number;
}

/** Total: exp / nbf (NumericDate seconds, with leeway), iss, aud. Returns the expiry in ms when there is one. */
export function checkClaims(claims: JwtClaims, rules: ClaimRules, nowMs: number): Decoded<{ expiresAtMs: number | undefined }, JwtError> {
  const exp = claims['exp'];
  const nbf = claims['nbf'];
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp))) return fail('jwt_claims', 'exp');
  if (nbf !== undefined && (typeof nbf !== 'number' || !Number.isFinite(nbf))) return fail('jwt_claims', 'nbf');
  if (exp === undefined && rules.requireExp) return fail('jwt_no_exp');
  if (typeof exp === 'number' && exp * 1000 + rules.clockSkewMs <= nowMs) return fail('jwt_expired');
  if (typeof nbf === 'number' && nbf * 1000 - rules.clockSkewMs > nowMs) return fail('jwt_not_yet_valid');
  if (rules.issuer !== undefined && claims['iss'] !== rules.issuer) return fail('jwt_issuer');
  if (rules.audience !== undefined) {
    const aud = claims['aud'];
    const auds = Array.isArray(aud) ? aud : [aud];
    if (!auds.includes(rules.audience)) return fail('jwt_audience');
  }
  return ok({ expiresAtMs: typeof exp === 'number' ? exp * 1000 : undefined });
}
