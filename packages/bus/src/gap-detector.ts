// Pure per-channel (epoch, seq) tracker: tells a subscriber whether a message continues, repeats, skips ahead
// or starts a new sequence, so loss is always detected and never silent.
export type GapVerdict =
  | { readonly verdict: 'next' }
  | { readonly verdict: 'duplicate' }
  /** seqs from..to (inclusive) of the current epoch were never seen: fill them from history */
  | { readonly verdict: 'gap'; readonly from: number; readonly to: number }
  /** the channel's sequence restarted: every position in the old epoch is void */
  | { readonly verdict: 'new-epoch' };

interface Position {
  epoch: string;
  seq: number;
}

const NEXT: GapVerdict = { verdict: 'next' };
const DUPLICATE: GapVerdict = { verdict: 'duplicate' };
const NEW_EPOCH: GapVerdict = { verdict: 'new-epoch' };

export class GapDetector {
  readonly #last = new Map<string, Position>();

  /**
   * Judges one message and advances the channel's position past it, except for duplicates, which leave it
   * unchanged. The first message of a channel without a position is 'next' (it sets the baseline). After
   * 'gap' the position is the message's seq: the caller fills from..to from history, not through check().
   */
  check(channel: string, epoch: string, seq: number): GapVerdict {
    const last = this.#last.get(channel);
    if (last === undefined) {
      this.#last.set(channel, { epoch, seq });
      return NEXT;
    }
    if (last.epoch !== epoch) {
      last.epoch = epoch;
      last.seq = seq;
      return NEW_EPOCH;
    }
    if (seq <= last.seq) return DUPLICATE;
    const expected = last.seq + 1;
    last.seq = seq;
    return seq === expected ? NEXT : { verdict: 'gap', from: expected, to: seq - 1 };
  }

  /** Sets the baseline, e.g. to bus.position() or to the last seq replayed from history. */
  reset(channel: string, epoch: string, seq: number): void {
    this.#last.set(channel, { epoch, seq });
  }

  /** The last accepted (epoch, seq) of a channel, or undefined before its first message. */
  position(channel: string): { readonly epoch: string; readonly seq: number } | undefined {
    const p = this.#last.get(channel);
    return p === undefined ? undefined : { epoch: p.epoch, seq: p.seq };
  }

  /** Drops the channel's position, e.g. after unsubscribing; its next message sets a new baseline. */
  forget(channel: string): void {
    this.#last.delete(channel);
  }
}
