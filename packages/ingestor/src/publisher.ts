// Publishes envelopes in call order with a bound on what is in flight. Calls are not awaited one by one: the bus
// keeps order on its single connection and pipelines them, which is what makes 20k tx/s possible.
import type { Bus, PublishReceipt } from '@chainfan/bus';
import type { OutgoingEnvelope } from '@chainfan/protocol';
import type { IngestorMetrics } from '@chainfan/telemetry';
import type { Logger } from 'pino';

export interface PublisherOptions {
  readonly bus: Bus;
  readonly metrics: IngestorMetrics;
  readonly log: Logger;
  readonly maxInFlight: number;
  readonly now?: () => number;
}

export class Publisher {
  readonly #o: PublisherOptions;
  readonly #now: () => number;
  #inFlight = 0;
  #idle: (() => void)[] = [];

  constructor(o: PublisherOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Starts the publish now. Returns undefined (and counts the drop) when too much is in flight: the caller's
   * event is lost and the loss is visible in `chainfan_ingestor_publish_errors_total{reason="overflow"}`.
   */
  publish(env: OutgoingEnvelope, receivedAt: number): Promise<PublishReceipt | undefined> | undefined {
    const m = this.#o.metrics;
    if (this.#inFlight >= this.#o.maxInFlight) {
      m.publishErrors.inc({ channel: env.channel, reason: 'overflow' });
      return undefined;
    }
    this.#inFlight++;
    return this.#o.bus.publish(env).then(
      (receipt) => {
        m.published.inc({ channel: env.channel });
        m.publishLatency.observe({ channel: env.channel }, (this.#now() - receivedAt) / 1000);
        this.#settle();
        return receipt;
      },
      (err: unknown) => {
        const code = (err as { code?: string }).code ?? 'unknown';
        m.publishErrors.inc({ channel: env.channel, reason: code === 'CHAINFAN_BUS_DOWN' ? 'bus_down' : code === 'CHAINFAN_PUBLISH_FENCED' ? 'fenced' : 'error' });
        this.#o.log.warn({ event: 'publish.failed', channel: env.channel, kind: env.kind, code, err }, 'publish failed');
        this.#settle();
        return undefined;
      },
    );
  }

  /** Resolves when nothing is in flight. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  #settle(): void {
    this.#inFlight--;
    if (this.#inFlight === 0) {
      const w = this.#idle;
      this.#idle = [];
      for (const r of w) r();
    }
  }
}
