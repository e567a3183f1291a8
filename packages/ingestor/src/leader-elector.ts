// Leader election over the bus's Coordinator: one ingestor publishes; standbys retry until the lease is free.
// The lease TTL bounds takeover time; the fencing token bounds the damage a paused ex-leader can do (none).
import type { Coordinator } from '@chainfan/bus';
import { type Cancel, type Clock, systemClock } from '@chainfan/protocol';
import type { Logger } from 'pino';

export interface LeaderElectorOptions {
  readonly coordinator: Coordinator;
  readonly owner: string;
  readonly log: Logger;
  /** the lease lives this long without renewal; a dead leader is replaced within ttl + retry */
  readonly ttlMs: number;
  readonly renewEveryMs: number;
  readonly retryEveryMs: number;
  readonly onElected: (token: string) => void;
  readonly onDeposed: (reason: string) => void;
  /** renew and retry timers; the system clock unless given */
  readonly clock?: Pick<Clock, 'setTimeout'>;
}

export class LeaderElector {
  readonly #o: LeaderElectorOptions;
  #token: string | undefined;
  #timer: Cancel | undefined;
  #stopped = false;

  constructor(o: LeaderElectorOptions) {
    this.#o = o;
  }

  get token(): string | undefined {
    return this.#token;
  }

  get isLeader(): boolean {
    return this.#token !== undefined;
  }

  start(): void {
    void this.#tick();
  }

  /** Called when the bus refused a publish with our token: we lost the lease and did not notice yet. */
  fenced(): void {
    if (this.#token !== undefined) this.#depose('fenced');
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    const { coordinator, ttlMs, log } = this.#o;
    try {
      if (this.#token === undefined) {
        const token = await coordinator.acquireLease(this.#o.owner, ttlMs);
        if (token !== undefined && !this.#stopped) {
          this.#token = token;
          log.info({ event: 'leader.elected', token }, 'became leader');
          this.#o.onElected(token);
        }
      } else if (!(await coordinator.renewLease(this.#token, ttlMs))) {
        this.#depose('lease lost');
      }
    } catch (err) {
      // the bus is unreachable: a leader cannot prove it still holds the lease, so it stops publishing at once
      if (this.#token !== undefined) this.#depose('bus unreachable');
      log.debug({ event: 'leader.tick_failed', err }, 'lease round trip failed');
    }
    if (this.#stopped) return;
    this.#timer = (this.#o.clock ?? systemClock).setTimeout(() => void this.#tick(), this.#token === undefined ? this.#o.retryEveryMs : this.#o.renewEveryMs);
  }

  #depose(reason: string): void {
    this.#token = undefined;
    this.#o.log.warn({ event: 'leader.deposed', reason }, 'no longer leader');
    this.#o.onDeposed(reason);
  }

  /** Stops the loop and hands the lease back so a standby takes over without waiting for the TTL. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.();
    const token = this.#token;
    this.#token = undefined;
    if (token !== undefined) {
      try {
        await this.#o.coordinator.releaseLease(token);
      } catch (err) {
        this.#o.log.warn({ event: 'leader.release_failed', err }, 'could not release the lease; it expires by itself');
      }
    }
  }
}
