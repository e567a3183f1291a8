// Cluster-wide numbers without a coordinator: every edge publishes a snapshot of itself to the StatsRegistry every
// `intervalMs` (live for three periods, withdrawn on close), and anyone sums the live snapshots. An edge that dies
// drops out of the sums within three periods.
import type { StatsRegistry } from '@chainfan/bus';
import type { Logger } from '@chainfan/telemetry';
import type { Cancel, Clock } from '../clock.js';

/** What one edge publishes. */
export interface EdgeSnapshot {
  readonly connections: number;
  readonly subscriptions: number;
  /** connections per dialect name */
  readonly byDialect: Readonly<Record<string, number>>;
}

export interface ClusterSummary extends EdgeSnapshot {
  readonly edges: number;
  /** the registry could not be read: these are this edge's numbers alone */
  readonly partial: boolean;
}

export interface ClusterStatsOptions {
  readonly registry: StatsRegistry;
  readonly edgeId: string;
  readonly intervalMs: number;
  readonly snapshot: () => EdgeSnapshot;
  readonly clock: Clock;
  readonly log: Logger;
  /** deadline of a registry read on a request path */
  readonly readTimeoutMs?: number;
}

function isSnapshot(v: unknown): v is EdgeSnapshot {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return typeof s['connections'] === 'number' && typeof s['subscriptions'] === 'number' && typeof s['byDialect'] === 'object' && s['byDialect'] !== null;
}

export class ClusterStats {
  readonly #o: ClusterStatsOptions;
  #cancel: Cancel | undefined;
  #closed = false;
  #failures = 0;

  constructor(o: ClusterStatsOptions) {
    this.#o = o;
  }

  /** Publishes now, then every interval. */
  start(): void {
    void this.#publish();
    this.#schedule();
  }

  /** Sums every live edge's snapshot; this edge's current numbers count even if its last publish is older. */
  async read(): Promise<ClusterSummary> {
    const own = this.#o.snapshot();
    let live: ReadonlyMap<string, string>;
    let cancel: Cancel | undefined;
    try {
      live = await Promise.race([
        this.#o.registry.list(),
        new Promise<never>((_, reject) => {
          cancel = this.#o.clock.setTimeout(() => reject(new Error('stats registry read timed out')), this.#o.readTimeoutMs ?? 2_000);
        }),
      ]);
    } catch (err) {
      this.#failed('list', err);
      return { ...own, edges: 1, partial: true };
    } finally {
      cancel?.();
    }
    let connections = own.connections;
    let subscriptions = own.subscriptions;
    const byDialect: Record<string, number> = { ...own.byDialect };
    let edges = 1;
    for (const [member, text] of live) {
      if (member === this.#o.edgeId) continue;
      let s: unknown;
      try {
        s = JSON.parse(text);
      } catch {
        continue; // another process's garbage must not break the sum; it expires by itself
      }
      if (!isSnapshot(s)) continue;
      edges++;
      connections += s.connections;
      subscriptions += s.subscriptions;
      for (const [d, n] of Object.entries(s.byDialect)) if (typeof n === 'number') byDialect[d] = (byDialect[d] ?? 0) + n;
    }
    return { connections, subscriptions, byDialect, edges, partial: false };
  }

  /** Stops publishing and withdraws this edge. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancel?.();
    await this.#o.registry.remove(this.#o.edgeId).catch((err: unknown) => this.#failed('remove', err));
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#cancel = this.#o.clock.setTimeout(() => {
      void this.#publish().finally(() => this.#schedule());
    }, this.#o.intervalMs);
  }

  async #publish(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#o.registry.put(this.#o.edgeId, JSON.stringify(this.#o.snapshot()), 3 * this.#o.intervalMs);
      this.#failures = 0;
    } catch (err) {
      this.#failed('put', err);
    }
  }

  #failed(op: string, err: unknown): void {
    const n = ++this.#failures;
    // rate-limited: the 1st, 2nd, 4th, 8th … failure in a row
    if ((n & (n - 1)) === 0) this.#o.log.warn({ event: 'cluster.stats_failed', op, err, inARow: n }, 'cluster stats registry unavailable');
  }
}
