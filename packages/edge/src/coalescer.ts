// Frame coalescing for clients that opted into batched frames: frames published to one topic within a
// short window leave as ONE frame of newline-delimited JSON. A message sent alone costs a socket write (a syscall)
// per recipient; messages that leave together share it, and one frame instead of many also saves uWS's per-frame work
// and the client's per-frame parsing. Still encode-once: the batch is joined once per topic, never per recipient.
import type { Cancel, Clock } from './clock.js';

export interface CoalescerOptions {
  /** the first frame into an empty coalescer arms one timer; when it fires, every topic's batch leaves */
  readonly windowMs: number;
  /** a topic whose batch would grow past this leaves at once, before the new frame joins the next batch */
  readonly maxBytes: number;
  readonly clock: Pick<Clock, 'setTimeout'>;
  /** hands one (possibly joined) frame to the topic's subscribers */
  readonly publish: (topic: string, frame: Uint8Array) => void;
  /**
   * Bytes waiting over all topics; past it every batch leaves at once, so however many topics an overload touches,
   * the coalescer holds at most this much. Default: 64 batches' worth.
   */
  readonly maxPendingBytes?: number;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;

interface Batch {
  readonly parts: Uint8Array[];
  bytes: number;
}

/**
 * Per-topic batches with one shared window. Order within a topic is kept exactly; across topics the window's batches
 * leave in the order their topics first received a frame. Frames must be JSON text: a raw LF can only be whitespace
 * there, so any LF inside a frame becomes a space (same JSON value) and LF alone separates messages.
 */
export class FrameCoalescer {
  readonly #o: CoalescerOptions;
  readonly #batches = new Map<string, Batch>();
  readonly #maxPending: number;
  #pendingBytes = 0;
  #timer: Cancel | undefined;
  #closed = false;

  constructor(o: CoalescerOptions) {
    if (!(o.windowMs > 0) || !Number.isFinite(o.windowMs)) throw new RangeError(`windowMs must be > 0, got ${o.windowMs}`);
    if (!Number.isSafeInteger(o.maxBytes) || o.maxBytes < 1) throw new RangeError(`maxBytes must be ≥ 1, got ${o.maxBytes}`);
    this.#o = o;
    this.#maxPending = o.maxPendingBytes ?? 64 * o.maxBytes;
  }

  /** Bytes waiting for the window, over all topics. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Bytes waiting for the window on `topic`: held for each of its subscribers, so part of what each one is owed. */
  pendingBytesOf(topic: string): number {
    return this.#batches.get(topic)?.bytes ?? 0;
  }

  /** Topics with a batch waiting for the window. */
  get pendingTopics(): number {
    return this.#batches.size;
  }

  /** Queues `frame` for `topic`; it leaves within `windowMs`. After close() frames are published at once. */
  add(topic: string, frame: Uint8Array): void {
    const clean = withoutNewlines(frame);
    if (this.#closed) {
      this.#o.publish(topic, clean);
      return;
    }
    let b = this.#batches.get(topic);
    if (b !== undefined && b.bytes + 1 + clean.byteLength > this.#o.maxBytes) {
      this.flushTopic(topic);
      b = undefined;
    }
    if (b === undefined) {
      b = { parts: [], bytes: 0 };
      this.#batches.set(topic, b);
    }
    const added = (b.parts.length > 0 ? 1 : 0) + clean.byteLength;
    b.bytes += added;
    this.#pendingBytes += added;
    b.parts.push(clean);
    if (b.bytes >= this.#o.maxBytes) {
      this.flushTopic(topic); // the byte budget is spent: no reason to wait for the window
      return;
    }
    if (this.#pendingBytes > this.#maxPending) {
      this.flush(); // many topics at once: memory is bounded by the total, not by topics × maxBytes
      return;
    }
    this.#timer ??= this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#o.windowMs);
  }

  /**
   * Sends `topic`'s waiting batch now. Callers do this before the topic's membership changes, so a socket that
   * subscribes never gets frames queued before it joined, and one that leaves still gets those queued before.
   */
  flushTopic(topic: string): void {
    const b = this.#batches.get(topic);
    if (b === undefined) return;
    this.#batches.delete(topic);
    this.#pendingBytes -= b.bytes;
    this.#o.publish(topic, join(b));
    if (this.#batches.size === 0) this.#cancelTimer();
  }

  /** Sends every waiting batch now. */
  flush(): void {
    this.#cancelTimer();
    const batches = [...this.#batches];
    this.#batches.clear();
    this.#pendingBytes = 0;
    for (const [topic, b] of batches) this.#o.publish(topic, join(b));
  }

  /** Flushes and stops batching: later frames are published as they come. Idempotent. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  #cancelTimer(): void {
    this.#timer?.();
    this.#timer = undefined;
  }
}

function join(b: Batch): Uint8Array {
  if (b.parts.length === 1) return b.parts[0]!;
  const out = Buffer.allocUnsafe(b.bytes);
  let at = 0;
  for (const p of b.parts) {
    if (at > 0) out[at++] = NEWLINE;
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** `frame` itself when it has no LF (the normal case: serializers emit none); else a copy with each LF as a space. */
export function withoutNewlines(frame: Uint8Array): Uint8Array {
  if (frame.indexOf(NEWLINE) < 0) return frame;
  const copy = Uint8Array.from(frame);
  for (let i = copy.indexOf(NEWLINE); i >= 0; i = copy.indexOf(NEWLINE, i + 1)) copy[i] = SPACE;
  return copy;
}
