// Where token verification keys come from: fixed keys from config (HS256 secret, a PEM public key) and a JWKS URL
// fetched with a deadline and cached. The JwtKeySource seam lets the Authenticator ask both the same way.
import { createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Logger } from '@chainfan/telemetry';
import type { Clock } from '../clock.js';
import type { JwtAlg, JwtHeader, VerificationKey } from './jwt.js';

export interface JwtKeySource {
  /**
   * Candidate keys for a token with this header (the right algorithm, and the kid when it names one). Rejects only
   * when keys could not be obtained at all (the JWKS endpoint unreachable with nothing cached): callers fail closed.
   */
  keysFor(header: JwtHeader): Promise<readonly VerificationKey[]>;
}

/** RSA keys shorter than this are refused (RFC 7518 §3.3 requires 2048 bits for RS256). */
const MIN_RSA_BITS = 2_048;

/** The algorithm a public key can verify: RSA (≥ 2048 bits) → RS256, EC P-256 → ES256; anything else is refused. */
export function algForPublicKey(key: KeyObject): JwtAlg | undefined {
  if (key.asymmetricKeyType === 'rsa') return (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS ? 'RS256' : undefined;
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

/** Keys fixed at start-up. Throws (bad config) on a PEM that is not an RSA or P-256 public key. */
export class StaticJwtKeys implements JwtKeySource {
  readonly #keys: readonly VerificationKey[];

  constructor(opts: { hs256Secret?: string; publicKeysPem?: readonly string[] }) {
    const keys: VerificationKey[] = [];
    if (opts.hs256Secret !== undefined) keys.push({ alg: 'HS256', key: createSecretKey(Buffer.from(opts.hs256Secret, 'utf8')) });
    for (const pem of opts.publicKeysPem ?? []) {
      const key = createPublicKey(pem);
      const alg = algForPublicKey(key);
      if (alg === undefined) throw new Error(`JWT public key of type ${key.asymmetricKeyType ?? '?'} is not RSA (≥ 2048 bits) or EC P-256`);
      keys.push({ alg, key });
    }
    this.#keys = keys;
  }

  get size(): number {
    return this.#keys.length;
  }

  keysFor(header: JwtHeader): Promise<readonly VerificationKey[]> {
    return Promise.resolve(this.#keys.filter((k) => k.alg === header.alg));
  }
}

/** Tries each source in turn and returns every candidate key. */
export class CombinedJwtKeys implements JwtKeySource {
  constructor(private readonly sources: readonly JwtKeySource[]) {}

  async keysFor(header: JwtHeader): Promise<readonly VerificationKey[]> {
    const out: VerificationKey[] = [];
    let failure: unknown;
    for (const s of this.sources) {
      try {
        out.push(...(await s.keysFor(header)));
      } catch (err) {
        failure = err; // another source may still have the key; if none has, the failure is what the caller sees
      }
    }
    if (out.length === 0 && failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
    return out;
  }
}

export interface JwksOptions {
  readonly url: string;
  /** how long a fetched key set is used before it is fetched again */
  readonly cacheTtlMs: number;
  /** deadline of one fetch */
  readonly timeoutMs: number;
  /** an unknown kid triggers a refetch at most this often (a flood of made-up kids must not flood the issuer) */
  readonly minRefetchIntervalMs?: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** defaults to the global fetch */
  readonly fetch?: typeof fetch;
}

interface Cached {
  readonly keys: readonly VerificationKey[];
  readonly fetchedAtMs: number;
}

/** Most keys taken from one JWKS document; real sets hold a handful. */
const MAX_JWKS_KEYS = 64;
const MAX_JWKS_BYTES = 256 * 1024;

/**
 * Keys from a JWKS URL. One fetch at a time (concurrent callers share it); on a failed refresh the previous set
 * stays in use (stale beats an outage of every login), and the failure is logged once per attempt.
 */
export class JwksKeys implements JwtKeySource {
  readonly #opts: JwksOptions;
  readonly #fetch: typeof fetch;
  #cached: Cached | undefined;
  #inflight: Promise<Cached> | undefined;
  #lastAttemptMs = Number.NEGATIVE_INFINITY;

  constructor(opts: JwksOptions) {
    this.#opts = opts;
    this.#fetch = opts.fetch ?? fetch;
  }

  async keysFor(header: JwtHeader): Promise<readonly VerificationKey[]> {
    const now = this.#opts.clock.now();
    let cached = this.#cached;
    if (cached === undefined || now - cached.fetchedAtMs >= this.#opts.cacheTtlMs) cached = await this.#refresh(cached);
    let keys = pick(cached.keys, header);
    const minGap = this.#opts.minRefetchIntervalMs ?? 30_000;
    // key rotation: a kid we have not seen may have been published since the last fetch
    if (keys.length === 0 && header.kid !== undefined && now - this.#lastAttemptMs >= minGap) {
      cached = await this.#refresh(cached);
      keys = pick(cached.keys, header);
    }
    return keys;
  }

  #refresh(previous: Cached | undefined): Promise<Cached> {
    this.#inflight ??= this.#load()
      .catch((err: unknown) => {
        this.#opts.log.warn({ event: 'auth.jwks_fetch_failed', url: this.#opts.url, err, stale: previous !== undefined }, 'JWKS fetch failed');
        if (previous === undefined) throw err;
        return previous;
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }

  async #load(): Promise<Cached> {
    this.#lastAttemptMs = this.#opts.clock.now();
    const res = await this.#fetch(this.#opts.url, { signal: AbortSignal.timeout(this.#opts.timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`JWKS ${this.#opts.url} answered ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error(`JWKS document larger than ${MAX_JWKS_BYTES} bytes`);
    const keys = parseJwks(JSON.parse(text) as unknown);
    const cached = { keys, fetchedAtMs: this.#opts.clock.now() };
    this.#cached = cached;
    this.#opts.log.info({ event: 'auth.jwks_loaded', keys: keys.length }, 'JWKS loaded');
    return cached;
  }
}

function pick(keys: readonly VerificationKey[], header: JwtHeader): VerificationKey[] {
  return keys.filter((k) => k.alg === header.alg && (header.kid === undefined || k.kid === header.kid));
}

/** Usable signing keys of a JWKS document; keys we cannot use (other types, `use: enc`, bad alg) are skipped. */
export function parseJwks(doc: unknown): VerificationKey[] {
  const list = typeof doc === 'object' && doc !== null ? (doc as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(list)) throw new Error('JWKS document has no "keys" array');
  const out: VerificationKey[] = [];
  for (const jwk of list.slice(0, MAX_JWKS_KEYS) as unknown[]) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    const j = jwk as Record<string, unknown>;
    if (j['use'] !== undefined && j['use'] !== 'sig') continue;
    if (j['kty'] !== 'RSA' && j['kty'] !== 'EC') continue;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: j as JsonWebKey, format: 'jwk' });
    } catch {
      continue; // a malformed entry must not take the usable ones down with it
    }
    const alg = algForPublicKey(key);
    if (alg === undefined || (j['alg'] !== undefined && j['alg'] !== alg)) continue;
    out.push(typeof j['kid'] === 'string' ? { alg, kid: j['kid'], key } : { alg, key });
  }
  return out;
}
