// Local subscriber counts per (dialect, topic key): the fan-out publishes to a uWS topic only when it has readers.

/** uWS topic of a client topic under one dialect; subscribers of one dialect share its encoded frames. */
export function uwsTopic(dialect: string, topicKey: string): string {
  return `${dialect}|${topicKey}`;
}

export class SubscriptionRegistry {
  readonly #counts = new Map<string, Map<string, number>>();
  #total = 0;

  /** Returns the count after adding. */
  add(dialect: string, key: string): number {
    let byKey = this.#counts.get(dialect);
    if (byKey === undefined) {
      byKey = new Map();
      this.#counts.set(dialect, byKey);
    }
    const n = (byKey.get(key) ?? 0) + 1;
    byKey.set(key, n);
    this.#total++;
    return n;
  }

  /** Returns the count after removing; removing an absent key is a bookkeeping bug and throws. */
  remove(dialect: string, key: string): number {
    const byKey = this.#counts.get(dialect);
    const n = byKey?.get(key);
    if (byKey === undefined || n === undefined) throw new Error(`remove of unknown subscription ${dialect}|${key}`);
    this.#total--;
    if (n > 1) {
      byKey.set(key, n - 1);
      return n - 1;
    }
    byKey.delete(key);
    return 0;
  }

  count(dialect: string, key: string): number {
    return this.#counts.get(dialect)?.get(key) ?? 0;
  }

  /** Whether any topic of this dialect has a subscriber (skips all work for idle dialects). */
  has(dialect: string): boolean {
    return (this.#counts.get(dialect)?.size ?? 0) > 0;
  }

  get total(): number {
    return this.#total;
  }

  /** Distinct topics with at least one subscriber, over all dialects. */
  get topics(): number {
    let n = 0;
    for (const byKey of this.#counts.values()) n += byKey.size;
    return n;
  }
}
