// Coalesces the publishes of one event-loop turn into one call of the atomic publish script per channel: one round
// trip, one promise chain and one deadline per batch instead of per message. A channel's batch runs on the
// channel's own shard. Order is call order per channel, within and across batches: a channel has at most one batch
// unanswered, because a call can be refused and retried (an empty script cache) after later ones already ran.
import { type BusChannel, ChainfanError, type Clock, systemClock } from '@chainfan/protocol';
import type { PublishReceipt } from './bus.js';

export interface BatchChannelKeys {
  readonly fence: string;
  readonly checkpoint: string;
  readonly seq: string;
  readonly epoch: string;
  readonly history: string;
  readonly pubsub: string;
}

export interface PublishBatcherOptions {
  readonly keysOf: (channel: BusChannel) => BatchChannelKeys;
  readonly maxLen: number;
  /** the channel's floor (epoch, seq) for the script, see PUBLISH_SCRIPT */
  readonly floorOf: (channel: BusChannel) => readonly [epoch: string, seq: number];
  /** runs PUBLISH_SCRIPT with these KEYS and ARGV (deadline included); its rejection fails the whole batch */
  readonly run: (channel: BusChannel, token: string, messages: number, keys: readonly string[], argv: readonly (string | number)[]) => Promise<unknown>;
  /** a batch leaves early at this many messages… */
  readonly maxMessages?: number;
  /** …or this many bytes of envelope tails, so one script call never holds Redis for long */
  readonly maxBytes?: number;
  /**
   * Runs `flush` once the current event-loop turn's I/O callbacks are done (default `setImmediate`). Batches are
   * bounded by turns, not by time, so there is no clock here; a test passes its own turn to decide when a batch leaves.
   */
  readonly afterTurn?: (flush: () => void) => void;
  /**
   * A batch that waits behind its channel's unanswered one fails with CHAINFAN_PUBLISH_TIMEOUT after this long,
   * unsent (default: waits as long as it takes). A stalled Redis then fails publishes at the pace they come.
   */
  readonly waitTimeoutMs?: number;
  /** times waitTimeoutMs, default the system clock */
  readonly clock?: Pick<Clock, 'setTimeout'>;
}

interface Pending {
  readonly tail: string;
  readonly checkpoint: string;
  readonly resolve: (r: PublishReceipt) => void;
  readonly reject: (err: unknown) => void;
}

interface Batch {
  readonly items: Pending[];
  bytes: number;
  /** the fencing token every message of the batch carries (a batch is fenced once) */
  readonly token: string;
  /** set while the batch waits behind an unanswered one: cancels its wait timeout */
  stopWaiting?: () => void;
}

/** One channel's publishes in call order: the batch being sent, the closed ones behind it, the one still filling. */
interface Line {
  sending: boolean;
  readonly closed: Batch[];
  open: Batch | undefined;
}

export class PublishBatcher {
  readonly #o: PublishBatcherOptions;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #lines = new Map<BusChannel, Line>();
  #scheduled = false;

  constructor(o: PublishBatcherOptions) {
    this.#o = o;
    this.#maxMessages = o.maxMessages ?? 512;
    this.#maxBytes = o.maxBytes ?? 1_048_576;
  }

  add(channel: BusChannel, tail: string, fencingToken: string, checkpoint: string): Promise<PublishReceipt> {
    let line = this.#lines.get(channel);
    if (line === undefined) {
      line = { sending: false, closed: [], open: undefined };
      this.#lines.set(channel, line);
    }
    if (line.open !== undefined && fencingToken !== line.open.token) this.#close(channel, line);
    return new Promise<PublishReceipt>((resolve, reject) => {
      const l = line;
      const b = l.open ?? { items: [], bytes: 0, token: fencingToken };
      l.open = b;
      b.items.push({ tail, checkpoint, resolve, reject });
      b.bytes += tail.length;
      if (b.items.length >= this.#maxMessages || b.bytes >= this.#maxBytes) {
        this.#close(channel, l);
      } else if (!this.#scheduled) {
        this.#scheduled = true;
        // after the current I/O callbacks: everything one turn produced (a block's transactions) leaves together
        (this.#o.afterTurn ?? setImmediate)(() => {
          this.#scheduled = false;
          this.flush();
        });
      }
    });
  }

  /**
   * Sends every channel's open batch now (no-op when none) — except behind a batch of the same channel that is still
   * unanswered: that channel's open batch keeps filling and leaves when the earlier one is answered.
   */
  flush(): void {
    for (const [channel, line] of [...this.#lines]) this.#next(channel, line);
  }

  /** A full batch, or one whose successor carries another token, stops filling and waits its turn. */
  #close(channel: BusChannel, line: Line): void {
    if (line.open === undefined) return;
    line.closed.push(line.open);
    line.open = undefined;
    this.#next(channel, line);
  }

  /** Sends the channel's oldest waiting batch unless one is unanswered; forgets a channel with nothing left. */
  #next(channel: BusChannel, line: Line): void {
    if (line.sending) {
      for (const w of [...line.closed, line.open]) if (w !== undefined) this.#wait(channel, line, w);
      return;
    }
    const b = line.closed.shift() ?? line.open;
    if (b === line.open) line.open = undefined;
    if (b === undefined) {
      this.#lines.delete(channel);
      return;
    }
    b.stopWaiting?.();
    line.sending = true;
    this.#send(channel, b, () => {
      line.sending = false;
      this.#next(channel, line);
    });
  }

  /** Starts a waiting batch's timeout (once): when it fires the batch is taken out of the line, unsent. */
  #wait(channel: BusChannel, line: Line, b: Batch): void {
    const ms = this.#o.waitTimeoutMs;
    if (ms === undefined || b.stopWaiting !== undefined) return;
    b.stopWaiting = (this.#o.clock ?? systemClock).setTimeout(() => {
      const i = line.closed.indexOf(b);
      if (i >= 0) line.closed.splice(i, 1);
      else if (line.open === b) line.open = undefined;
      else return; // already sent
      const err = new ChainfanError('CHAINFAN_PUBLISH_TIMEOUT', `publish timed out after ${ms} ms waiting for the channel's previous batch`, {
        context: { channel, messages: b.items.length },
      });
      for (const p of b.items) p.reject(err);
    }, ms);
  }

  /** Runs the script call; when it is answered (or failed) settles each message's promise, then calls `answered`. */
  #send(channel: BusChannel, b: Batch, answered: () => void): void {
    const batch = b.items;
    const k = this.#o.keysOf(channel);
    const keys = [k.fence, k.checkpoint, k.seq, k.epoch, k.history];
    const argv: (string | number)[] = [b.token, this.#o.maxLen, k.pubsub, ...this.#o.floorOf(channel)];
    for (const p of batch) argv.push(p.tail, p.checkpoint);
    let call: Promise<unknown>;
    try {
      call = this.#o.run(channel, b.token, batch.length, keys, argv);
    } catch (err) {
      call = Promise.reject(err);
    }
    call.then(
      (reply) => {
        if (!Array.isArray(reply) || reply.length !== 2 * batch.length) {
          const err = new ChainfanError('CHAINFAN_DECODE_FAILED', 'publish script returned an unexpected reply', { context: { channel, messages: batch.length } });
          for (const p of batch) p.reject(err);
        } else {
          for (let i = 0; i < batch.length; i++) {
            const epoch: unknown = reply[2 * i];
            const seq: unknown = reply[2 * i + 1];
            if (typeof epoch === 'string' && Number.isSafeInteger(seq)) batch[i]!.resolve({ epoch, seq: seq as number });
            else batch[i]!.reject(new ChainfanError('CHAINFAN_DECODE_FAILED', 'publish script returned an unexpected reply', { context: { channel } }));
          }
        }
        answered(); // in the same turn: the next batch leaves right behind this reply
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
        answered();
      },
    );
  }
}
