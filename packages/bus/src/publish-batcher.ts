// Coalesces the publishes of one event-loop turn into one call of the atomic publish script per channel: one round
// trip, one promise chain and one deadline per batch instead of per message. A channel's batch runs on the
// channel's own shard. Order is call order per channel, within and across batches.
import type { BusChannel } from '@chainfan/protocol';
import { ChainfanError } from '@chainfan/protocol';
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
}

interface Pending {
  readonly tail: string;
  readonly checkpoint: string;
  readonly resolve: (r: PublishReceipt) => void;
  readonly reject: (err: unknown) => void;
}

interface OpenBatch {
  items: Pending[];
  bytes: number;
  /** the fencing token every message of the batch carries (a batch is fenced once) */
  token: string;
}

export class PublishBatcher {
  readonly #o: PublishBatcherOptions;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #open = new Map<BusChannel, OpenBatch>();
  #scheduled = false;

  constructor(o: PublishBatcherOptions) {
    this.#o = o;
    this.#maxMessages = o.maxMessages ?? 512;
    this.#maxBytes = o.maxBytes ?? 1_048_576;
  }

  add(channel: BusChannel, tail: string, fencingToken: string, checkpoint: string): Promise<PublishReceipt> {
    const open = this.#open.get(channel);
    if (open !== undefined && fencingToken !== open.token) this.#flushChannel(channel);
    return new Promise<PublishReceipt>((resolve, reject) => {
      let b = this.#open.get(channel);
      if (b === undefined) {
        b = { items: [], bytes: 0, token: fencingToken };
        this.#open.set(channel, b);
      }
      b.items.push({ tail, checkpoint, resolve, reject });
      b.bytes += tail.length;
      if (b.items.length >= this.#maxMessages || b.bytes >= this.#maxBytes) {
        this.#flushChannel(channel);
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

  /** Sends every open batch now (no-op when none). */
  flush(): void {
    for (const channel of [...this.#open.keys()]) this.#flushChannel(channel);
  }

  #flushChannel(channel: BusChannel): void {
    const b = this.#open.get(channel);
    if (b === undefined) return;
    this.#open.delete(channel);
    const batch = b.items;
    const k = this.#o.keysOf(channel);
    const keys = [k.fence, k.checkpoint, k.seq, k.epoch, k.history];
    const argv: (string | number)[] = [b.token, this.#o.maxLen, k.pubsub, ...this.#o.floorOf(channel)];
    for (const p of batch) argv.push(p.tail, p.checkpoint);
    this.#o.run(channel, b.token, batch.length, keys, argv).then(
      (reply) => {
        if (!Array.isArray(reply) || reply.length !== 2 * batch.length) {
          const err = new ChainfanError('CHAINFAN_DECODE_FAILED', 'publish script returned an unexpected reply', { context: { channel, messages: batch.length } });
          for (const p of batch) p.reject(err);
          return;
        }
        for (let i = 0; i < batch.length; i++) {
          const epoch: unknown = reply[2 * i];
          const seq: unknown = reply[2 * i + 1];
          if (typeof epoch === 'string' && Number.isSafeInteger(seq)) batch[i]!.resolve({ epoch, seq: seq as number });
          else batch[i]!.reject(new ChainfanError('CHAINFAN_DECODE_FAILED', 'publish script returned an unexpected reply', { context: { channel } }));
        }
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  }
}
