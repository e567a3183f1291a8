// The KeyStore seam: a set of valid API keys, and the static implementation (keys from config).
import { createHash } from 'node:crypto';

export interface KeyStore {
  /**
   * Whether `key` is a valid API key. Rejects (CHAINFAN_BUS_DOWN / CHAINFAN_TIMEOUT) when the store cannot be asked:
   * callers must then refuse the key (fail closed), never admit it.
   */
  has(key: string): Promise<boolean>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** sha256 hex of an API key: how stores keep keys (a leaked set or log does not leak the keys) and how logs name them. */
export function apiKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Keys given up front. Lookups go through the sha256 of the candidate, so the time a lookup takes does not depend
 * on how much of a valid key the candidate shares.
 */
export class StaticKeyStore implements KeyStore {
  readonly #hashes: ReadonlySet<string>;

  /** `keys` are plain keys; `hashes` are sha256 hex digests of keys (so config need not hold the keys themselves). */
  constructor(keys: Iterable<string>, hashes: Iterable<string> = []) {
    this.#hashes = new Set([...[...keys].map(apiKeyHash), ...[...hashes].map((h) => h.toLowerCase())]);
  }

  get size(): number {
    return this.#hashes.size;
  }

  async has(key: string): Promise<boolean> {
    return this.#hashes.has(apiKeyHash(key));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
