// Publishes envelopes in call order with a bound on what is in flight. Calls are not awaited one by one: the bus
// keeps order on its single connection and pipelines them, which is what makes 20k tx/s possible. Every publish
// carries the current fencing token, so a deposed leader's late publishes are refused by the bus.
import type { Bus, PublishOptions, PublishReceipt } from '@chainfan/bus';
import type { OutgoingEnvelope } from '@chainfan/protocol';
import type { IngestorMetrics } from '@chainfan/telemetry';
import type { Logger } from 'pino';

export interface PublisherOptions {
  readonly bus: Bus;
  readonly metrics: IngestorMetrics;
  readonly log: Logger;
  readonly maxInFlight: number;
  readonly now?: () => number;
  /** the bus refused a publish because our lease is gone */
  readonly onFenced?: () => void;
}

export class Publisher {
  readonly #o: PublisherOptions;
  readonly #now: () => number;
  #inFlight = 0;
  #idle: (() => void)[] = [];
  #fencingToken: string | undefined;

  constructor(o: PublisherOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  setFencingToken(token: string | undefined): void {
    this.#fencingToken = token;
  }

  /**
   * Starts the publish now and resolves with the receipt, or undefined when it failed (counted by reason and
   * logged). Returns undefined at once, counting an `overflow`, when too much is in flight.
   */
  publish(env: OutgoingEnvelope, receivedAt: number, opts: Omit<PublishOptions, 'fencingToken'> = {}): Promise<PublishReceipt | undefined> | undefined {
    if (this.#inFlight >= this.#o.maxInFlight) {
      this.#o.metrics.publishErrors.inc({ channel: env.channel, reason: 'overflow' });
      return undefined;
    }
    return this.#start(env, receivedAt, opts).then(
      (r) => r,
      () => undefined, // already counted and logged in #start
    );
  }

  /** Like publish, but rejects with the bus's error (or an overflow error) so the caller can stop and retry. */
  async publishOrThrow(env: OutgoingEnvelope, receivedAt: number, opts: Omit<PublishOptions, 'fencingToken'> = {}): Promise<PublishReceipt> {
    if (this.#inFlight >= this.#o.maxInFlight) {
      this.#o.metrics.publishErrors.inc({ channel: env.channel, reason: 'overflow' });
      throw new Error(`publish ${env.channel}: ${this.#inFlight} publishes in flight`);
    }
    return this.#start(env, receivedAt, opts);
  }

  async #start(env: OutgoingEnvelope, receivedAt: number, opts: Omit<PublishOptions, 'fencingToken'>): Promise<PublishReceipt> {
    const m = this.#o.metrics;
    this.#inFlight++;
    try {
      const full: PublishOptions = this.#fencingToken === undefined ? opts : { ...opts, fencingToken: this.#fencingToken };
      const receipt = await this.#o.bus.publish(env, full);
      m.published.inc({ channel: env.channel });
      m.publishLatency.observe({ channel: env.channel }, (this.#now() - receivedAt) / 1000);
      return receipt;
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unknown';
      const reason = code === 'CHAINFAN_BUS_DOWN' ? 'bus_down' : code === 'CHAINFAN_PUBLISH_FENCED' ? 'fenced' : 'error';
      m.publishErrors.inc({ channel: env.channel, reason });
      if (reason === 'fenced') this.#o.onFenced?.();
      if (this.#o.log.isLevelEnabled('debug') || reason === 'error') this.#o.log.warn({ event: 'publish.failed', channel: env.channel, kind: env.kind, code, err }, 'publish failed');
      throw err;
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) {
        const w = this.#idle;
        this.#idle = [];
        for (const r of w) r();
      }
    }
  }

  /** Resolves when nothing is in flight. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }
}
