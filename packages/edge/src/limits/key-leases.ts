// Connections per API key over the whole cluster: one lease per admitted connection in the LeaseStore, refreshed
// every third of the TTL while the connection lives, released when it closes; an edge that dies stops refreshing and
// its leases expire within one short TTL (seconds, not minutes: a crashed edge must not lock its clients out). If the
// store is unreachable at admission the connection is refused (a limit that cannot be counted is not waived); leases
// already held stay in the refresh set and are re-registered on the next successful refresh.
import type { LeaseStore } from '@chainfan/bus';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import type { Cancel, Clock } from '../clock.js';

export type LeaseVerdict = 'taken' | 'full' | 'store_unavailable';

export interface KeyLeasesOptions {
  readonly store: LeaseStore;
  readonly ttlMs: number;
  /** unique per edge process: prefix of every holder id, so two edges never share one */
  readonly edgeId: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: EdgeMetrics;
}

export class KeyLeases {
  readonly #o: KeyLeasesOptions;
  /** key → holders held by this edge */
  readonly #held = new Map<string, Set<string>>();
  #next = 1;
  #cancel: Cancel | undefined;
  #failures = 0;
  #closed = false;

  constructor(opts: KeyLeasesOptions) {
    this.#o = opts;
  }

  newHolder(): string {
    return `${this.#o.edgeId}:${this.#next++}`;
  }

  async acquire(key: string, holder: string, limit: number): Promise<LeaseVerdict> {
    let taken: boolean;
    try {
      taken = await this.#o.store.acquire(key, holder, limit, this.#o.ttlMs);
    } catch (err) {
      this.#storeFailed('acquire', err);
      // the call may still have run on the server: free that slot when the store answers again
      this.#o.store.release(key, holder).catch(() => undefined);
      return 'store_unavailable';
    }
    if (taken) this.#hold(key, holder);
    return taken ? 'taken' : 'full';
  }

  /** Background: the slot is freed locally at once; a failed store call leaves the lease to expire. */
  release(key: string, holder: string): void {
    const hs = this.#held.get(key);
    hs?.delete(holder);
    if (hs?.size === 0) this.#held.delete(key);
    this.#o.store.release(key, holder).catch((err: unknown) => this.#storeFailed('release', err));
  }

  start(): void {
    this.#schedule();
  }

  /** Stops refreshing; leases still held are released (clean shutdown frees the cluster's slots at once). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancel?.();
    const all = [...this.#held].flatMap(([k, hs]) => [...hs].map((h) => this.#o.store.release(k, h)));
    this.#held.clear();
    await Promise.allSettled(all);
  }

  /** Holders this edge keeps alive (for tests and stats). */
  get size(): number {
    let n = 0;
    for (const hs of this.#held.values()) n += hs.size;
    return n;
  }

  #hold(key: string, holder: string): void {
    let hs = this.#held.get(key);
    if (hs === undefined) this.#held.set(key, (hs = new Set()));
    hs.add(holder);
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#cancel = this.#o.clock.setTimeout(() => {
      void this.#refresh().finally(() => this.#schedule());
    }, Math.floor(this.#o.ttlMs / 3));
  }

  async #refresh(): Promise<void> {
    if (this.#held.size === 0) return;
    const snapshot = new Map([...this.#held].map(([k, hs]) => [k, [...hs]] as const));
    try {
      await this.#o.store.refresh(snapshot, this.#o.ttlMs);
      this.#failures = 0;
    } catch (err) {
      this.#storeFailed('refresh', err);
    }
  }

  #storeFailed(op: string, err: unknown): void {
    this.#o.metrics.limitHits.inc({ limit: 'lease_store_unavailable' });
    const n = ++this.#failures;
    // rate-limited: the 1st, 2nd, 4th, 8th … failure in a row
    if ((n & (n - 1)) === 0) this.#o.log.warn({ event: 'limits.lease_store_failed', op, err, inARow: n }, 'lease store unavailable: connections with a per-key limit are refused');
  }
}
