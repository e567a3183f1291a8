// Who is connecting: turns the credential presented at upgrade into a Principal (anonymous, API key or JWT) with the
// topics it may use, or a refusal with its HTTP answer. Never logs or keeps a credential; logs name keys by hash.
import { createHash } from 'node:crypto';
import { apiKeyHash, type KeyStore } from '@chainfan/bus';
import type { RejectKind } from '@chainfan/protocol';
import type { Logger } from '@chainfan/telemetry';
import type { Clock } from '../clock.js';
import type { PresentedCredential } from './credentials.js';
import { type ClaimRules, type JwtError, looksLikeJwt, MAX_TOKEN_LENGTH, readHeader, verifyJwt } from './jwt.js';
import type { JwtKeySource } from './jwt-keys.js';
import { TopicAcl } from './topic-acl.js';

export type PrincipalKind = 'anonymous' | 'api_key' | 'jwt';

export interface Principal {
  readonly kind: PrincipalKind;
  /** safe to log: `key:<first 12 hex of sha256>` or `sub:<sub>`; undefined for anonymous */
  readonly id: string | undefined;
  /** the cluster-wide connection limit applies per this key (API keys: their sha256; JWTs: sha256 of iss and sub) */
  readonly limitKey: string | undefined;
  readonly acl: TopicAcl;
  /** when the credential stops being valid (JWT exp): the edge closes the socket then with 4401 */
  readonly expiresAtMs: number | undefined;
  /** may use admin operations (ZION's broadcast_event): an admin API key, or a JWT with the admin claim */
  readonly admin: boolean;
}

/** Bounded `reason` label values of chainfan_edge_auth_failures_total. */
export type AuthFailureReason = 'missing' | 'too_long' | 'invalid_api_key' | 'backend_unavailable' | 'origin' | JwtError;

export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reject: RejectKind; readonly reason: AuthFailureReason };

export interface JwtVerification extends ClaimRules {
  readonly keys: JwtKeySource;
  /** claim listing the topic patterns the token grants; absent claim: every topic */
  readonly topicsClaim: string;
  /** claim that makes a token an admin's: `true`, or a list containing "admin"; absent: no admin tokens */
  readonly adminClaim?: string;
}

export interface AuthenticatorOptions {
  /** API keys (static list, Redis set, …); absent: API keys are not accepted */
  readonly apiKeys?: KeyStore;
  /** API keys that are also admins' (valid for connecting too, whether or not `apiKeys` lists them) */
  readonly adminKeys?: KeyStore;
  readonly jwt?: JwtVerification;
  /** topics open without credentials; TopicAcl.NONE makes credentials mandatory (401 without) */
  readonly anonymous: TopicAcl;
  readonly clock: Clock;
  readonly log: Logger;
  /** how long an API-key answer is reused (a reconnect storm must not become a Redis storm); default 60 s */
  readonly keyCacheTtlMs?: number;
}

const KEY_CACHE_MAX = 10_000;
/** a "no such key" answer is kept shorter, so a key added to the set works soon */
const NEGATIVE_CACHE_MS = 5_000;
const MAX_API_KEY_LENGTH = 512;
const MAX_SUB_LENGTH = 64;

const ANONYMOUS_BASE = { kind: 'anonymous', id: undefined, limitKey: undefined, expiresAtMs: undefined, admin: false } as const;

export class Authenticator {
  readonly #opts: AuthenticatorOptions;
  readonly #anonymous: Principal;
  /** sha256(key) → { valid, admin, until } */
  readonly #keyCache = new Map<string, { valid: boolean; admin: boolean; untilMs: number }>();

  constructor(opts: AuthenticatorOptions) {
    this.#opts = opts;
    this.#anonymous = Object.freeze({ ...ANONYMOUS_BASE, acl: opts.anonymous });
  }

  /** Everyone anonymous, every topic open: the behaviour without any auth configured. */
  static open(clock: Clock, log: Logger): Authenticator {
    return new Authenticator({ anonymous: TopicAcl.ALL, clock, log });
  }

  /** Whether any credential kind is configured (otherwise presented tokens are ignored). */
  get acceptsCredentials(): boolean {
    return this.#opts.apiKeys !== undefined || this.#opts.adminKeys !== undefined || this.#opts.jwt !== undefined;
  }

  /** Never rejects: backend failures become `authUnavailable` (503), so a client retries instead of being let in. */
  async authenticate(cred: PresentedCredential | undefined): Promise<AuthResult> {
    if (cred === undefined || !this.acceptsCredentials) {
      if (this.#opts.anonymous.allowsAnything) return { ok: true, principal: this.#anonymous };
      return { ok: false, reject: 'authRequired', reason: 'missing' };
    }
    const jwt = this.#opts.jwt;
    if (jwt !== undefined && looksLikeJwt(cred.token)) return this.#verifyJwt(cred.token, jwt);
    if (cred.token.length > Math.max(MAX_TOKEN_LENGTH, MAX_API_KEY_LENGTH)) return { ok: false, reject: 'invalidCredentials', reason: 'too_long' };
    if (this.#opts.apiKeys !== undefined || this.#opts.adminKeys !== undefined) return this.#verifyApiKey(cred.token);
    return { ok: false, reject: 'invalidCredentials', reason: 'jwt_malformed' };
  }

  async #verifyJwt(token: string, cfg: JwtVerification): Promise<AuthResult> {
    const header = readHeader(token);
    if (!header.ok) return { ok: false, reject: 'invalidCredentials', reason: header.error };
    let keys;
    try {
      keys = await cfg.keys.keysFor(header.value);
    } catch (err) {
      this.#opts.log.warn({ event: 'auth.keys_unavailable', err }, 'no JWT verification keys available');
      return { ok: false, reject: 'authUnavailable', reason: 'backend_unavailable' };
    }
    const verified = await verifyJwt(token, keys, cfg, this.#opts.clock.now());
    if (!verified.ok) return { ok: false, reject: 'invalidCredentials', reason: verified.error };
    const { claims, expiresAtMs } = verified.value;
    const sub = claims['sub'];
    // own properties only: a claim named like an Object.prototype member must not read the prototype
    const topics = Object.hasOwn(claims, cfg.topicsClaim) ? claims[cfg.topicsClaim] : undefined;
    const adminClaim = cfg.adminClaim === undefined || !Object.hasOwn(claims, cfg.adminClaim) ? undefined : claims[cfg.adminClaim];
    return {
      ok: true,
      principal: {
        kind: 'jwt',
        id: typeof sub === 'string' ? `sub:${sub.slice(0, MAX_SUB_LENGTH)}` : undefined,
        limitKey: jwtLimitKey(claims['iss'], sub),
        acl: topics === undefined ? TopicAcl.ALL : TopicAcl.fromClaim(topics),
        expiresAtMs,
        admin: adminClaim === true || (Array.isArray(adminClaim) && adminClaim.includes('admin')),
      },
    };
  }

  async #verifyApiKey(key: string): Promise<AuthResult> {
    if (key.length > MAX_API_KEY_LENGTH) return { ok: false, reject: 'invalidCredentials', reason: 'too_long' };
    const hash = apiKeyHash(key);
    const now = this.#opts.clock.now();
    const hit = this.#keyCache.get(hash);
    let valid: boolean;
    let admin: boolean;
    if (hit !== undefined && hit.untilMs > now) {
      ({ valid, admin } = hit);
    } else {
      try {
        admin = (await this.#opts.adminKeys?.has(key)) === true;
        valid = admin || (await this.#opts.apiKeys?.has(key)) === true;
      } catch (err) {
        this.#opts.log.warn({ event: 'auth.key_store_unavailable', err }, 'API key store unavailable');
        return { ok: false, reject: 'authUnavailable', reason: 'backend_unavailable' };
      }
      this.#remember(hash, valid, admin, now);
    }
    if (!valid) return { ok: false, reject: 'invalidCredentials', reason: 'invalid_api_key' };
    return { ok: true, principal: { kind: 'api_key', id: `key:${hash.slice(0, 12)}`, limitKey: hash, acl: TopicAcl.ALL, expiresAtMs: undefined, admin } };
  }

  #remember(hash: string, valid: boolean, admin: boolean, now: number): void {
    this.#keyCache.delete(hash);
    if (this.#keyCache.size >= KEY_CACHE_MAX) {
      const oldest = this.#keyCache.keys().next();
      if (oldest.done !== true) this.#keyCache.delete(oldest.value);
    }
    this.#keyCache.set(hash, { valid, admin, untilMs: now + (valid ? (this.#opts.keyCacheTtlMs ?? 60_000) : NEGATIVE_CACHE_MS) });
  }
}

/**
 * The per-subject lease key of a verified token: one budget per (issuer, subject), whichever edge or token carries it.
 * Tokens without a string `sub` share one budget per issuer, so leaving `sub` out never escapes the limit.
 */
export function jwtLimitKey(iss: unknown, sub: unknown): string {
  const issuer = typeof iss === 'string' ? iss : '';
  const subject = typeof sub === 'string' ? `s:${sub}` : 'none';
  return `jwt:${createHash('sha256').update(`${issuer}\u0000${subject}`).digest('hex')}`;
}
