// Coalesces the publishes of one event-loop turn into one call of the atomic publish script: one round trip, one
// promise chain and one deadline per batch instead of per message. Order is call order, within and across batches.
import type { BusChannel } from '@chainfan/protocol';
import { ChainfanError } from '@chainfan/protocol';
import type { PublishReceipt } from './bus.js';

export interface BatchChannelKeys {
  readonly seq: string;
  readonly epoch: string;
  readonly history: string;
  readonly pubsub: string;
}

export interface PublishBatcherOptions {
  readonly keysOf: (channel: BusChannel) => BatchChannelKeys;
  readonly leaseKey: string;
  readonly checkpointKey: string;
  readonly maxLen: number;
  /** runs PUBLISH_SCRIPT with these KEYS and ARGV (deadline included); its rejection fails the whole batch */
  /** the latest (epoch, seq) known to be published on a channel: a Redis behind it starts a new epoch */
  readonly floorOf?: (channel: BusChannel) => PublishReceipt | undefined;
  readonly run: (keys: readonly string[], argv: readonly (string | number)[]) => Promise<unknown>;
  /** a batch leaves early at this many messages… */
  readonly maxMessages?: number;
  /** …or this many bytes of envelope tails, so one script call never holds Redis for long */
  readonly maxBytes?: number;
}

interface Pending {
  readonly channel: BusChannel;
  readonly tail: string;
  readonly checkpoint: string;
  readonly resolve: (r: PublishReceipt) => void;
  readonly reject: (err: unknown) => void;
}

export class PublishBatcher {
  readonly #o: PublishBatcherOptions;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  #batch: Pending[] = [];
  #bytes = 0;
  /** the fencing token every message of the open batch carries (a batch is fenced once) */
  #token = '';
  #scheduled = false;

  constructor(o: PublishBatcherOptions) {
    this.#o = o;
    this.#maxMessages = o.maxMessages ?? 512;
    this.#maxBytes = o.maxBytes ?? 1_048_576;
  }

  add(channel: BusChannel, tail: string, fencingToken: string, checkpoint: string): Promise<PublishReceipt> {
    if (this.#batch.length > 0 && fencingToken !== this.#token) this.flush();
    return new Promise<PublishReceipt>((resolve, reject) => {
      if (this.#batch.length === 0) this.#token = fencingToken;
      this.#batch.push({ channel, tail, checkpoint, resolve, reject });
      this.#bytes += tail.length;
      if (this.#batch.length >= this.#maxMessages || this.#bytes >= this.#maxBytes) {
        this.flush();
      } else if (!this.#scheduled) {
        this.#scheduled = true;
        // after the current I/O callbacks: everything one turn produced (a block's transactions) leaves together
        setImmediate(() => {
          this.#scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Sends the open batch now (no-op when empty). */
  flush(): void {
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    this.#bytes = 0;
    const index = new Map<BusChannel, number>();
    const keys: string[] = [this.#o.leaseKey, this.#o.checkpointKey];
    const argv: (string | number)[] = [this.#token, this.#o.maxLen];
    for (const p of batch) {
      let c = index.get(p.channel);
      if (c === undefined) {
        c = index.size;
        index.set(p.channel, c);
        const k = this.#o.keysOf(p.channel);
        keys.push(k.seq, k.epoch, k.history);
        const floor = this.#o.floorOf?.(p.channel);
        argv.push(c, k.pubsub, p.tail, p.checkpoint, floor?.epoch ?? '', floor?.seq ?? '');
        continue;
      }
      argv.push(c, this.#o.keysOf(p.channel).pubsub, p.tail, p.checkpoint, '', '');
    }
    this.#o.run(keys, argv).then(
      (reply) => {
        if (!Array.isArray(reply) || reply.length !== 2 * batch.length) {
          const err = new ChainfanError('CHAINFAN_DECODE_FAILED', 'publish script returned an unexpected reply', { context: { messages: batch.length } });
          for (const p of batch) p.reject(err);
          return;
        }
        for (let i = 0; i < batch.length; i++) {
          const epoch: unknown = reply[2 * i];
          const seq: unknown = reply[2 * i + 1];
          if (typeof epoch === 'string' && Number.isSafeInteger(seq)) batch[i]!.resolve({ epoch, seq: seq as number });
          else batch[i]!.reject(new ChainfanError('CHAINFAN_DECODE_FAILED', 'publish script returned an unexpected reply', { context: { channel: batch[i]!.channel } }));
        }
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  }
}
