// Where the client stands on each bus channel, so a reconnect resumes from there (`since`) and nothing is delivered
// twice. Positions are per channel, not per topic: frames do not say which topic they were sent for, and on one
// socket a channel's frames arrive in seq order once no topic on it is replaying (docs/decisions/0008).

export interface Position {
  readonly epoch: string;
  readonly seq: number;
}

interface Cursor {
  epoch: string;
  /** everything of `epoch` with seq ≤ base is behind the client, for every topic it holds on this channel */
  base: number;
  /** seqs > base already delivered while some topic on the channel was replaying (frames then arrive out of order) */
  seen: Set<number>;
}

/** Bound of one channel's `seen` set; past it the oldest entries go (a late duplicate may then slip through). */
const MAX_SEEN = 100_000;

export class PositionTracker {
  readonly #cursors = new Map<string, Cursor>();
  /** channel → subscribes with a position in flight (replaying) on the current socket */
  readonly #recovering = new Map<string, number>();

  /** The `since` of a subscribe reading `channels`: known positions, "now" for the rest (or as a whole). */
  sinceFor(channels: readonly string[]): Record<string, Position | 'now'> | 'now' {
    const out: Record<string, Position | 'now'> = {};
    let any = false;
    for (const ch of channels) {
      const c = this.#cursors.get(ch);
      if (c === undefined) out[ch] = 'now';
      else {
        out[ch] = { epoch: c.epoch, seq: c.base };
        any = true;
      }
    }
    return any ? out : 'now';
  }

  /** A subscribe with positions went out for these channels: their frames may now arrive out of order. */
  beginRecovery(channels: readonly string[]): void {
    for (const ch of channels) this.#recovering.set(ch, (this.#recovering.get(ch) ?? 0) + 1);
  }

  /**
   * The subscribe's ack arrived; `positions` (from the ack) say after which message its live stream starts. When it
   * was the last replay on a channel, everything up to that position is complete for every topic on it.
   */
  endRecovery(channels: readonly string[], recovering: boolean, positions: Readonly<Record<string, Position>> | undefined): void {
    for (const ch of channels) {
      const n = recovering ? Math.max(0, (this.#recovering.get(ch) ?? 0) - 1) : (this.#recovering.get(ch) ?? 0);
      if (n === 0) this.#recovering.delete(ch);
      else this.#recovering.set(ch, n);
      const p = positions?.[ch];
      const c = this.#cursors.get(ch);
      if (p !== undefined && (c === undefined || c.epoch !== p.epoch)) {
        this.#cursors.set(ch, { epoch: p.epoch, base: p.seq, seen: new Set() });
      } else if (c !== undefined && n === 0) {
        let base = Math.max(c.base, p?.seq ?? 0);
        if (p === undefined) for (const s of c.seen) base = Math.max(base, s); // a server without positions
        c.base = base;
        c.seen = new Set([...c.seen].filter((s) => s > base));
      }
    }
  }

  /** A subscribe with positions was refused: it replays nothing. */
  abortRecovery(channels: readonly string[]): void {
    for (const ch of channels) {
      const n = Math.max(0, (this.#recovering.get(ch) ?? 0) - 1);
      if (n === 0) this.#recovering.delete(ch);
      else this.#recovering.set(ch, n);
    }
  }

  /** The socket closed: replays in flight are over (their subscribes go out again, from the positions kept). */
  socketClosed(): void {
    this.#recovering.clear();
  }

  /** Judges one event frame: true to deliver it, false for a duplicate. */
  accept(channel: string, epoch: string, seq: number): boolean {
    const replaying = (this.#recovering.get(channel) ?? 0) > 0;
    const c = this.#cursors.get(channel);
    if (c === undefined || c.epoch !== epoch) {
      // first frame of the channel, or its sequence restarted (the server sent a resync before it)
      this.#cursors.set(channel, replaying ? { epoch, base: 0, seen: new Set([seq]) } : { epoch, base: seq, seen: new Set() });
      return true;
    }
    if (seq <= c.base || c.seen.has(seq)) return false;
    if (replaying) {
      c.seen.add(seq);
      if (c.seen.size > MAX_SEEN) c.seen.delete(c.seen.values().next().value as number);
    } else {
      c.base = seq;
      if (c.seen.size > 0) c.seen = new Set([...c.seen].filter((s) => s > seq));
    }
    return true;
  }

  /** A "not recovered" notice: a channel that moved to another epoch continues from the notice's position. */
  resync(channel: string, position: Position): void {
    const c = this.#cursors.get(channel);
    if (c === undefined || c.epoch !== position.epoch) this.#cursors.set(channel, { epoch: position.epoch, base: position.seq, seen: new Set() });
  }

  /** Where the client stands on `channel` (undefined before its first ack or frame). */
  position(channel: string): Position | undefined {
    const c = this.#cursors.get(channel);
    return c === undefined ? undefined : { epoch: c.epoch, seq: c.base };
  }
}
