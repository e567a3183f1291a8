// Retry delays shared by every reconnecting component (SDK, RPC client, bus): exponential with "equal jitter".
export interface BackoffPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 100, maxDelayMs: 5_000, factor: 2 };

/** attempt 0 → about initialDelayMs. Never 0 and never above the cap: base/2 + random·base/2. */
export function backoffMs(attempt: number, random: () => number, p: BackoffPolicy = DEFAULT_BACKOFF): number {
  const base = Math.min(p.initialDelayMs * p.factor ** Math.min(Math.max(attempt, 0), 30), p.maxDelayMs);
  return base / 2 + random() * (base / 2);
}
