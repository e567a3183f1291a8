// Inbound message rate of one connection: a token bucket that may run into debt. Pure; time is passed in.

/**
 * `ok`: a token was taken. `limited`: none left — ignore the message and tell the client. `exceeded`: the client
 * kept sending while limited (debt passed `burst`) — close it.
 */
export type BucketVerdict = 'ok' | 'limited' | 'exceeded';

export class TokenBucket {
  #tokens: number;
  #atMs: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.#tokens = burst;
    this.#atMs = nowMs;
  }

  take(nowMs: number): BucketVerdict {
    const elapsed = Math.max(0, nowMs - this.#atMs);
    this.#atMs = nowMs;
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 'ok';
    return this.#tokens < -this.burst ? 'exceeded' : 'limited';
  }
}
