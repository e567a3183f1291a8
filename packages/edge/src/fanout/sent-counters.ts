// The messages/bytes-sent counters per (topic kind, dialect), with their label lookups cached: the fan-out counts
// every published frame, and a label lookup per message would allocate on the hot path.
import type { EdgeMetrics } from '@chainfan/telemetry';

export type SentCounter = { readonly sent: { inc(n: number): void }; readonly bytes: { inc(n: number): void } };

export class SentCounters {
  readonly #metrics: EdgeMetrics;
  readonly #byLabels = new Map<string, SentCounter>();

  constructor(metrics: EdgeMetrics) {
    this.#metrics = metrics;
  }

  for(kind: string, dialect: string): SentCounter {
    const k = `${kind}|${dialect}`;
    let c = this.#byLabels.get(k);
    if (c === undefined) {
      c = {
        sent: this.#metrics.messagesSent.labels({ topic_kind: kind, dialect }),
        bytes: this.#metrics.bytesSent.labels({ topic_kind: kind, dialect }),
      };
      this.#byLabels.set(k, c);
    }
    return c;
  }
}
