// Local subscriber counts per (dialect, topic key): the fan-out publishes to a uWS topic only when it has readers,
// and counts what it published there, so per-connection totals need no per-recipient work.
import type { Topic } from '@chainfan/protocol';

/** uWS topic of a client topic under one dialect; subscribers of one dialect share its encoded frames. */
export function uwsTopic(dialect: string, topicKey: string): string {
  return `${dialect}|${topicKey}`;
}

/** One (dialect, topic) with readers. `messages`/`bytes` only grow: a reader's share is the growth while it read. */
export interface TopicCounters {
  readonly dialect: string;
  readonly key: string;
  /** the canonical topic; undefined for a derived stream's variant */
  readonly topic: Topic | undefined;
  readonly uwsTopic: string;
  readers: number;
  messages: number;
  bytes: number;
}

export class SubscriptionRegistry {
  readonly #byDialect = new Map<string, Map<string, TopicCounters>>();
  #total = 0;

  /** Adds a reader of `key` (a topic's canonical key, or a derived stream's); returns the same counters for as long as it has readers. */
  add(dialect: string, key: string, topic?: Topic): TopicCounters {
    let byKey = this.#byDialect.get(dialect);
    if (byKey === undefined) {
      byKey = new Map();
      this.#byDialect.set(dialect, byKey);
    }
    let c = byKey.get(key);
    if (c === undefined) {
      c = { dialect, key, topic, uwsTopic: uwsTopic(dialect, key), readers: 0, messages: 0, bytes: 0 };
      byKey.set(key, c);
    }
    c.readers++;
    this.#total++;
    return c;
  }

  /** Returns the count after removing; removing an absent key is a bookkeeping bug and throws. */
  remove(dialect: string, key: string): number {
    const byKey = this.#byDialect.get(dialect);
    const c = byKey?.get(key);
    if (byKey === undefined || c === undefined) throw new Error(`remove of unknown subscription ${dialect}|${key}`);
    this.#total--;
    c.readers--;
    if (c.readers === 0) byKey.delete(key);
    return c.readers;
  }

  get(dialect: string, key: string): TopicCounters | undefined {
    return this.#byDialect.get(dialect)?.get(key);
  }

  count(dialect: string, key: string): number {
    return this.get(dialect, key)?.readers ?? 0;
  }

  /** Whether any topic of this dialect has a subscriber (skips all work for idle dialects). */
  has(dialect: string): boolean {
    return (this.#byDialect.get(dialect)?.size ?? 0) > 0;
  }

  /** Every (dialect, topic) with readers. */
  *entries(): Generator<TopicCounters> {
    for (const byKey of this.#byDialect.values()) yield* byKey.values();
  }

  get total(): number {
    return this.#total;
  }

  /** Distinct topics with at least one subscriber, over all dialects. */
  get topics(): number {
    let n = 0;
    for (const byKey of this.#byDialect.values()) n += byKey.size;
    return n;
  }
}
