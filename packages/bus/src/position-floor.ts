// What a bus client knows was already published on each channel: the latest (epoch, seq) it saw. Redis can come
// back older than that (a restored snapshot, an AOF that lost its last second, a lagging replica promoted) with
// the same epoch and a smaller seq; a position behind the floor is a rewind, and the channel must start a new epoch.
import type { BusChannel } from '@chainfan/protocol';
import type { PublishReceipt } from './bus.js';

/**
 * Orders epochs: Redis epochs are decimal microsecond times and grow; other epochs (MemoryBus, random hex) are
 * only equal or not. Negative when a is older, 0 when equal, positive when newer, NaN when they cannot be ordered.
 */
export function compareEpochs(a: string, b: string): number {
  if (a === b) return 0;
  if (!DECIMAL.test(a) || !DECIMAL.test(b)) return Number.NaN;
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : 1;
}

const DECIMAL = /^[1-9][0-9]{0,15}$/;

/** True when `pos` is behind `floor`: an older epoch, or the same epoch at a smaller seq. */
export function isBehind(pos: PublishReceipt, floor: PublishReceipt): boolean {
  const c = compareEpochs(pos.epoch, floor.epoch);
  return c < 0 || (c === 0 && pos.seq < floor.seq);
}

export class PositionFloor {
  readonly #known = new Map<BusChannel, PublishReceipt>();
  #changes = 0;

  /** Remembers `pos` when it is ahead of what was known (a newer epoch, or a larger seq of the same one). */
  note(channel: BusChannel, pos: PublishReceipt): void {
    const k = this.#known.get(channel);
    // epochs that cannot be ordered: the latest observation wins
    if (k !== undefined && (k.epoch === pos.epoch ? pos.seq <= k.seq : compareEpochs(pos.epoch, k.epoch) < 0)) return;
    this.#known.set(channel, { epoch: pos.epoch, seq: pos.seq });
    this.#changes++;
  }

  get(channel: BusChannel): PublishReceipt | undefined {
    return this.#known.get(channel);
  }

  /** Grows with every note() that changed something: a cheap "is there anything new to persist". */
  get changes(): number {
    return this.#changes;
  }

  entries(): [BusChannel, PublishReceipt][] {
    return [...this.#known];
  }
}
