// The LeaseStore seam: counted leases shared by every process of a cluster (e.g. "at most N connections per API key
// over all edges"), plus its in-process implementation for single-process setups and tests.
import { ChainfanError } from '@chainfan/protocol';

/**
 * At most `limit` live holders per key, over every process sharing the store. A lease lives `ttlMs` unless
 * refreshed, so the leases of a process that dies expire by themselves and free their slots.
 */
export interface LeaseStore {
  /**
   * Takes a slot under `key` for `holder` unless `limit` other live holders have one; true when taken (or already
   * held: then it is extended). Rejects with CHAINFAN_BUS_DOWN / CHAINFAN_TIMEOUT when the store is unreachable.
   */
  acquire(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean>;
  /**
   * Extends (and re-creates, when they expired meanwhile) the leases of `holders` under each key to `ttlMs` from
   * now, whatever the limit: they are live connections. Rejects when the store is unreachable.
   */
  refresh(holders: ReadonlyMap<string, readonly string[]>, ttlMs: number): Promise<void>;
  /** Frees the slot; releasing an absent lease is a no-op. Rejects when the store is unreachable. */
  release(key: string, holder: string): Promise<void>;
  /** Live holders under `key`. */
  count(key: string): Promise<number>;
  /** Idempotent. Leases are not released: they expire. */
  close(): Promise<void>;
}

export interface MemoryLeaseStoreOptions {
  /** ms clock; Date.now by default */
  readonly now?: () => number;
}

export class MemoryLeaseStore implements LeaseStore {
  readonly #now: () => number;
  /** key → holder → expiry (ms) */
  readonly #leases = new Map<string, Map<string, number>>();
  #closed = false;

  constructor(opts: MemoryLeaseStoreOptions = {}) {
    this.#now = opts.now ?? Date.now;
  }

  async acquire(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean> {
    const live = this.#live(key);
    if (!live.has(holder) && live.size >= limit) return false;
    live.set(holder, this.#now() + ttlMs);
    return true;
  }

  async refresh(holders: ReadonlyMap<string, readonly string[]>, ttlMs: number): Promise<void> {
    for (const [key, hs] of holders) {
      const live = this.#live(key);
      for (const h of hs) live.set(h, this.#now() + ttlMs);
    }
  }

  async release(key: string, holder: string): Promise<void> {
    this.#assertOpen();
    this.#leases.get(key)?.delete(holder);
  }

  async count(key: string): Promise<number> {
    return this.#live(key).size;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  /** The key's holders with expired ones dropped. */
  #live(key: string): Map<string, number> {
    this.#assertOpen();
    let m = this.#leases.get(key);
    if (m === undefined) {
      m = new Map();
      this.#leases.set(key, m);
    }
    const now = this.#now();
    for (const [h, exp] of m) if (exp <= now) m.delete(h);
    return m;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ChainfanError('CHAINFAN_BUS_CLOSED', 'lease store is closed');
  }
}
