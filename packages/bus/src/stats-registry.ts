// The StatsRegistry seam: each member of a cluster (an edge) publishes a small snapshot of itself that expires unless
// republished, and anyone reads every live snapshot — cluster-wide numbers without a coordinator. Plus the in-process
// implementation for single-process setups and tests.
import { ChainfanError } from '@chainfan/protocol';

export interface StatsRegistry {
  /** Publishes `member`'s snapshot, live for `ttlMs` from now. Rejects when the store is unreachable. */
  put(member: string, snapshot: string, ttlMs: number): Promise<void>;
  /** Every live snapshot by member; expired ones are gone. Rejects when the store is unreachable. */
  list(): Promise<ReadonlyMap<string, string>>;
  /** Withdraws a member at once (clean shutdown). */
  remove(member: string): Promise<void>;
  /** Idempotent. Snapshots are not removed: they expire. */
  close(): Promise<void>;
}

export interface MemoryStatsRegistryOptions {
  /** ms clock; Date.now by default */
  readonly now?: () => number;
}

export class MemoryStatsRegistry implements StatsRegistry {
  readonly #now: () => number;
  readonly #members = new Map<string, { snapshot: string; untilMs: number }>();
  #closed = false;

  constructor(opts: MemoryStatsRegistryOptions = {}) {
    this.#now = opts.now ?? Date.now;
  }

  async put(member: string, snapshot: string, ttlMs: number): Promise<void> {
    this.#assertOpen();
    this.#members.set(member, { snapshot, untilMs: this.#now() + ttlMs });
  }

  async list(): Promise<ReadonlyMap<string, string>> {
    this.#assertOpen();
    const now = this.#now();
    const out = new Map<string, string>();
    for (const [m, e] of this.#members) {
      if (e.untilMs <= now) this.#members.delete(m);
      else out.set(m, e.snapshot);
    }
    return out;
  }

  async remove(member: string): Promise<void> {
    this.#assertOpen();
    this.#members.delete(member);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ChainfanError('CHAINFAN_BUS_CLOSED', 'stats registry is closed');
  }
}
