// The last N messages one bus channel delivered on this edge, contiguous in (epoch, seq), with the frames already
// encoded for them. Recoveries finish from here synchronously (and reuse those frames), so most resumes after a
// reconnect or a drain never touch Redis and never encode again.
import type { Envelope } from '@chainfan/protocol';

export interface RingEntry {
  readonly env: Envelope;
  /** dialect name → frame bytes, filled by the fan-out and by replays (encode once per message and dialect) */
  readonly frames: Map<string, Buffer>;
  /** what this entry was counted as against the ring's byte budget */
  readonly bytes: number;
}

/**
 * Bounded twice: at most `capacity` messages and about `maxBytes` (wire form plus the frames encoded at push time);
 * the oldest entries go first, and the newest one always stays.
 */
export class RecentRing {
  readonly #cap: number;
  readonly #maxBytes: number;
  readonly #slots: (RingEntry | undefined)[];
  #epoch = '';
  /** seq of the newest entry (or the position the ring was reset to) */
  #last = 0;
  #size = 0;
  #bytes = 0;

  constructor(capacity: number, maxBytes = Number.POSITIVE_INFINITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be ≥ 1, got ${capacity}`);
    this.#cap = capacity;
    this.#maxBytes = maxBytes;
    this.#slots = new Array<RingEntry | undefined>(capacity);
  }

  /** Messages held now. */
  get size(): number {
    return this.#size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get epoch(): string {
    return this.#epoch;
  }

  get lastSeq(): number {
    return this.#last;
  }

  /** Empties the ring and positions it just after (epoch, seq): the next push must be seq + 1. */
  reset(epoch: string, seq: number): void {
    this.#slots.fill(undefined);
    this.#epoch = epoch;
    this.#last = seq;
    this.#size = 0;
    this.#bytes = 0;
  }

  /** Appends the next message; a message that does not continue the ring restarts it (the caller's discontinuity). */
  push(env: Envelope, frames: Map<string, Buffer>): RingEntry {
    if (env.epoch !== this.#epoch || env.seq !== this.#last + 1) this.reset(env.epoch, env.seq - 1);
    let bytes = env.wire.length;
    for (const f of frames.values()) bytes += f.byteLength;
    if (this.#size === this.#cap) this.#evictOldest(); // its slot is the one about to be taken
    const entry: RingEntry = { env, frames, bytes };
    this.#slots[env.seq % this.#cap] = entry;
    this.#last = env.seq;
    this.#size++;
    this.#bytes += bytes;
    while (this.#bytes > this.#maxBytes && this.#size > 1) this.#evictOldest();
    return entry;
  }

  #evictOldest(): void {
    const slot = (this.#last - this.#size + 1) % this.#cap;
    this.#bytes -= this.#slots[slot]?.bytes ?? 0;
    this.#slots[slot] = undefined;
    this.#size--;
  }

  /** Whether every message after (epoch, seq) up to the newest is here (true when there is nothing after it). */
  covers(epoch: string, seq: number): boolean {
    return epoch === this.#epoch && seq <= this.#last && seq >= this.#last - this.#size;
  }

  /** The entry delivered under (epoch, seq), when the ring still holds it. */
  at(epoch: string, seq: number): RingEntry | undefined {
    if (epoch !== this.#epoch || seq > this.#last || seq <= this.#last - this.#size) return undefined;
    return this.#slots[seq % this.#cap];
  }

  /** Entries after `seq`, oldest first; call only when covers() holds. */
  *after(seq: number): Generator<RingEntry> {
    for (let s = seq + 1; s <= this.#last; s++) {
      const e = this.#slots[s % this.#cap];
      if (e !== undefined) yield e;
    }
  }
}
