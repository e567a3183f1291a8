// Paces a message source at a fixed rate on a fixed schedule: message i is due at t0 + (i + 1)/rate and carries that
// due time as its stamp. A source that falls behind (a busy process) releases what is due in one burst, and the
// delay counts in every late message's latency — no coordinated omission. Used by the bench publisher and by the
// in-process raw uWS peer, so every target sees the same arrival schedule.

/** Due time (ms, on the caller's clock) of message `i` of a schedule that started at `t0Ms`. */
export function scheduledAt(t0Ms: number, i: number, rate: number): number {
  return t0Ms + ((i + 1) * 1000) / rate;
}

/** Messages due `elapsedMs` after the start. */
export function dueCount(rate: number, elapsedMs: number): number {
  return elapsedMs <= 0 ? 0 : Math.floor((elapsedMs * rate) / 1000);
}

export interface PacerHandle {
  /** messages released so far */
  readonly sent: number;
  /** messages that were due but not released yet (the process fell behind the schedule) */
  readonly behind: number;
  stop(): void;
}

/** One second's worth at most per wake-up, so a long stall cannot turn into one unbounded synchronous loop. */
const MAX_BURST_SECONDS = 1;

/**
 * Calls `emit(i, dueMs)` for i = 0, 1, … at `rate` per second until `stop()` or `limit` messages; the timer wakes
 * at each next due time. `now` is the clock stamps are compared with (hrNowMs by default).
 */
export function startPacer(
  rate: number,
  emit: (i: number, dueMs: number) => void,
  opts: { readonly now?: () => number; readonly limit?: number } = {},
): PacerHandle {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be > 0, got ${rate}`);
  const now = opts.now ?? (() => performance.timeOrigin + performance.now());
  const limit = opts.limit ?? Infinity;
  const maxBurst = Math.max(1, Math.ceil(rate * MAX_BURST_SECONDS));
  const t0 = now();
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    timer = undefined;
    const t = now();
    for (let n = 0; n < maxBurst && sent < limit; n++) {
      const due = scheduledAt(t0, sent, rate);
      if (due > t) break;
      emit(sent, due);
      sent++;
    }
    if (sent < limit) timer = setTimeout(tick, Math.max(0, scheduledAt(t0, sent, rate) - now()));
  };
  timer = setTimeout(tick, Math.max(0, scheduledAt(t0, 0, rate) - now()));
  return {
    get sent() {
      return sent;
    },
    get behind() {
      return Math.max(0, Math.min(limit, dueCount(rate, now() - t0)) - sent);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
      sent = Math.min(sent, limit);
    },
  };
}
