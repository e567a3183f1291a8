// Reconnect schedule for the SDK: the shared equal-jitter formula with the client's defaults and an attempt counter.
import { type BackoffPolicy, backoffMs } from '@chainfan/protocol';

export type ReconnectPolicy = BackoffPolicy;

export const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 250, maxDelayMs: 10_000, factor: 2 };

/** Fills in defaults; a nonsensical policy is a programmer error and throws RangeError. */
export function resolveReconnectPolicy(p: Partial<ReconnectPolicy> = {}): ReconnectPolicy {
  const r = { ...DEFAULT_RECONNECT, ...p };
  if (!(r.initialDelayMs > 0) || !(r.maxDelayMs >= r.initialDelayMs) || !(r.factor >= 1)) {
    throw new RangeError(`invalid reconnect policy ${JSON.stringify(r)}: need 0 < initialDelayMs ≤ maxDelayMs and factor ≥ 1`);
  }
  return Object.freeze(r);
}

/**
 * Delay before attempt n (0-based) is base/2 + random·base/2 with base = min(initial·factorⁿ, max): never 0, never
 * above the cap, and spread so that many clients dropped at once do not come back in lockstep.
 */
export class Backoff {
  #attempt = 0;
  constructor(
    private readonly policy: ReconnectPolicy,
    private readonly random: () => number,
  ) {}

  /** attempts scheduled since the last reset */
  get attempt(): number {
    return this.#attempt;
  }

  next(): number {
    return backoffMs(this.#attempt++, this.random, this.policy);
  }

  /** Called after a successful open, so the next outage starts again at initialDelayMs. */
  reset(): void {
    this.#attempt = 0;
  }
}
