// What the client resumes from and what it already delivered: positions per bus channel (PositionTracker), the last
// block (BlockMemory) and which topics start from a block. ChainfanClient asks it for each subscribe's `since`, each
// frame's fate, and whether a resync notice can be repaired from the last block (docs/positions-and-recovery.md).
import { BlockMemory, type BlockRef, blockSince, repairableFromBlock } from './block-memory.js';
import type { ChainfanMessage, ResyncData, StreamPositioned } from './messages.js';
import { PositionTracker } from './position-tracker.js';

export class ResumeState {
  readonly positions = new PositionTracker();
  readonly blocks = new BlockMemory();
  /** topic key → the block its next subscribe resumes the `blocks` channel after (until that subscribe's ack) */
  readonly #fromBlock = new Map<string, BlockRef>();

  /** subscribe(topic, { sinceBlock }): blocks up to `b` are the caller's. */
  startFromBlock(key: string, b: BlockRef): void {
    this.blocks.anchor(b);
    this.#fromBlock.set(key, b);
  }

  /** The topic's subscribe was acknowledged: its block resume (if any) is done. */
  acked(key: string): void {
    this.#fromBlock.delete(key);
  }

  /**
   * The `since` of a subscribe of `key` reading `channels` (`resume`: from the positions held, else "now"), and the
   * channels whose frames may arrive out of order until its ack (undefined when nothing is replayed).
   */
  since(key: string, channels: readonly string[], resume: boolean): { since: unknown; recovering: readonly string[] | undefined } {
    const block = this.#fromBlock.get(key);
    const positions = resume ? this.positions.sinceFor(channels) : 'now';
    const since = block !== undefined && channels.includes('blocks') ? blockSince(block, positions, channels) : positions;
    if (since === 'now') return { since, recovering: undefined };
    this.positions.beginRecovery(channels);
    return { since, recovering: channels };
  }

  /** Judges one event: true to deliver it, false when it was delivered already (by position, or a block by hash). */
  accept(msg: Exclude<ChainfanMessage, { type: 'subscription' | 'error' }>, byPosition: boolean): boolean {
    const p: StreamPositioned = msg;
    if (byPosition && p.channel !== undefined && p.epoch !== undefined && p.seq !== undefined) {
      if (!this.positions.accept(p.channel, p.epoch, p.seq)) return false; // replay overlap, or another topic
    }
    // a block is one block whichever way it came (the stream in any epoch, or re-read from the node): once
    if (msg.type === 'block') return this.blocks.accept(msg.data.hash, msg.data.height);
    if (msg.type === 'unknown' && msg.wireType === 'reorg') this.blocks.reorg(msg.data);
    return true;
  }

  /**
   * A "not recovered" notice for topic `key`. True when the topic is to be taken again from the last block instead
   * (the bus lost the client's place, the chain did not): the caller resubscribes and the notice is not surfaced.
   */
  repairFromBlock(key: string, n: ResyncData): boolean {
    this.positions.resync(n.channel, { epoch: n.epoch, seq: n.seq });
    const last = this.blocks.last;
    if (!repairableFromBlock(n.channel, n.reason, last)) return false;
    this.#fromBlock.set(key, last);
    return true;
  }
}
