// The TtlCache seam: short-lived values shared by every process of a cluster (e.g. node RPC results, so thousands of
// clients asking the same thing cost the node one call per TTL), plus its in-process implementation.

export interface TtlCache {
  /** The value, or undefined when absent or expired. Rejects (CHAINFAN_BUS_DOWN / CHAINFAN_TIMEOUT) when unreachable. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` for `ttlMs`; rejects when the store is unreachable (callers go on without the cache). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

export interface MemoryTtlCacheOptions {
  /** ms clock; Date.now by default */
  readonly now?: () => number;
  /** entries kept at most (the oldest go first); default 10,000 */
  readonly maxEntries?: number;
}

export class MemoryTtlCache implements TtlCache {
  readonly #now: () => number;
  readonly #max: number;
  readonly #entries = new Map<string, { value: string; untilMs: number }>();

  constructor(opts: MemoryTtlCacheOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#max = opts.maxEntries ?? 10_000;
  }

  async get(key: string): Promise<string | undefined> {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (e.untilMs <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#entries.delete(key);
    this.#entries.set(key, { value, untilMs: this.#now() + ttlMs });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }
}
