// Per-topic tracking of the node's ZMQ counters (uint32 LE, one per topic, from 0 at node start). Pure.
export type SequenceVerdict =
  | { readonly kind: 'first' }
  | { readonly kind: 'next' }
  | { readonly kind: 'gap'; readonly missed: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'unnumbered' };

const U32 = 2 ** 32;

export class SequenceTracker {
  readonly #last = new Map<string, number>();

  /**
   * `next` includes the wrap from 2^32−1 to 0. A counter at 0 (or below what was expected) means the node
   * restarted: its counters live in memory only. Anything above expected is a gap of `missed` messages.
   */
  check(topic: string, seq: number | undefined): SequenceVerdict {
    if (seq === undefined) return { kind: 'unnumbered' };
    const last = this.#last.get(topic);
    this.#last.set(topic, seq);
    if (last === undefined) return { kind: 'first' };
    const expected = (last + 1) % U32;
    if (seq === expected) return { kind: 'next' };
    if (seq === 0 || seq < expected) return { kind: 'reset' };
    return { kind: 'gap', missed: seq - expected };
  }

  /** Forget every counter (e.g. after a reconnect, when the first message of each topic is a new baseline). */
  clear(): void {
    this.#last.clear();
  }
}
