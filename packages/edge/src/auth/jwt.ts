// JWS compact tokens (RFC 7515/7519) verified by `jose`: HS256, RS256, ES256. Each candidate key is tried with only
// its own algorithm allowed, so the algorithm is the configured key's, never the token header's choice (an HS256
// token "signed" with an RSA public key, or `alg: none`, verifies nothing). jose's errors become bounded labels.
import type { KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
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

/** Longest token looked at; a JWT with a short topic list is well under 2 KiB. */
export const MAX_TOKEN_LENGTH = 8_192;

const B64URL = /^[A-Za-z0-9_-]*$/;

/** Whether `token` has the compact JWS shape at all (three base64url segments); cheap, for telling JWTs from API keys. */
export function looksLikeJwt(token: string): boolean {
  if (token.length > MAX_TOKEN_LENGTH) return false;
  const parts = token.split('.');
  return parts.length === 3 && parts.every((p) => p.length > 0 && B64URL.test(p)) && token.startsWith('eyJ');
}

/** Total: the protected header, unverified (it only picks candidate keys). `alg` must be one we verify. */
export function readHeader(token: string): Decoded<JwtHeader, JwtError> {
  if (!looksLikeJwt(token)) return fail('jwt_malformed');
  let h: Record<string, unknown>;
  try {
    h = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return fail('jwt_malformed'); // not base64url JSON: a malformed token
  }
  const alg = h['alg'];
  const kid = h['kid'];
  if (typeof alg !== 'string' || (kid !== undefined && typeof kid !== 'string')) return fail('jwt_malformed');
  if (!(JWT_ALGS as readonly string[]).includes(alg)) return fail('jwt_alg');
  return ok(typeof kid === 'string' ? { alg, kid } : { alg });
}

export interface ClaimRules {
  readonly issuer?: string;
  readonly audience?: string;
  readonly requireExp: boolean;
  readonly clockSkewMs: number;
}

export interface VerifiedJwt {
  readonly claims: JwtClaims;
  readonly expiresAtMs: number | undefined;
}

/**
 * Verifies `token` against each candidate key (its own algorithm only), then exp / nbf (with leeway), iss, aud at
 * `nowMs`. Never rejects: every failure is a bounded label.
 */
export async function verifyJwt(token: string, keys: readonly VerificationKey[], rules: ClaimRules, nowMs: number): Promise<Decoded<VerifiedJwt, JwtError>> {
  if (keys.length === 0) return fail('jwt_unknown_key');
  let last: JwtError = 'jwt_bad_signature';
  for (const k of keys) {
    try {
      const { payload } = await jwtVerify(token, k.key, {
        algorithms: [k.alg],
        currentDate: new Date(nowMs),
        clockTolerance: rules.clockSkewMs / 1000,
        requiredClaims: rules.requireExp ? ['exp'] : [],
        ...(rules.issuer === undefined ? {} : { issuer: rules.issuer }),
        ...(rules.audience === undefined ? {} : { audience: rules.audience }),
      });
      const exp = payload.exp;
      return ok({ claims: payload as JwtClaims, expiresAtMs: typeof exp === 'number' ? exp * 1000 : undefined });
    } catch (err) {
      last = joseErrorLabel(err);
      // a bad signature may still verify with the next candidate (key rotation); anything else was judged on a
      // verified signature (claims) or on the token itself, and no other key changes it
      if (last !== 'jwt_bad_signature') return fail(last);
    }
  }
  return fail(last);
}

/** jose's error classes → chainfan's bounded labels. */
export function joseErrorLabel(err: unknown): JwtError {
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'jwt_bad_signature';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'jwt_alg';
  if (err instanceof errors.JWTExpired) return 'jwt_expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'exp') return err.reason === 'missing' ? 'jwt_no_exp' : 'jwt_claims';
    if (err.claim === 'nbf') return err.reason === 'check_failed' ? 'jwt_not_yet_valid' : 'jwt_claims';
    if (err.claim === 'iss') return 'jwt_issuer';
    if (err.claim === 'aud') return 'jwt_audience';
    return 'jwt_claims';
  }
  return 'jwt_malformed'; // JWSInvalid, JWTInvalid, JOSENotSupported (e.g. an unknown `crit`), a key of the wrong type
}
