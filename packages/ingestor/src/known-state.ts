// What this ingestor knows of the published stream beyond Redis: the position floor, the chain checkpoint and how far
// the transaction stream's txids were read. A standby keeps it current from the leader's publishes; it is saved to the local state file.
import type { Bus, Coordinator, PositionFloor } from '@chainfan/bus';
import { type BusChannel, busChannelsFor, txsChannels } from '@chainfan/protocol';
import type { Logger } from 'pino';
import type { Checkpoint } from './block-window.js';
import type { LocalStateFile } from './local-state.js';

export interface KnownStateOptions {
  readonly bus: Bus & Coordinator;
  readonly floor: PositionFloor;
  readonly log: Logger;
  /** where the state is kept across restarts and Redis data loss; nothing is saved without one */
  readonly stateFile?: LocalStateFile | undefined;
  readonly isLeader: () => boolean;
  /** the leader's own checkpoint (its block window) */
  readonly ownCheckpoint: () => Checkpoint | undefined;
  /** records a txid as announced, so a new leader does not announce it again */
  readonly markSeen: (txid: string) => void;
  /** partitions of the transaction stream (default 1) */
  readonly txsPartitions?: number;
}

export class KnownState {
  readonly #o: KnownStateOptions;
  /** the latest chain checkpoint known: read from Redis as a standby, or the file's at start */
  #checkpoint: string | undefined;
  #savedAt = { floor: -1, checkpoint: undefined as string | undefined };
  /** how far the txids of each transaction partition were read into the seen set */
  readonly #txsRead = new Map<BusChannel, { epoch: string; seq: number }>();
  #observing = false;

  constructor(o: KnownStateOptions) {
    this.#o = o;
  }

  /** The latest chain checkpoint known (JSON as stored with block publishes). */
  get checkpoint(): string | undefined {
    return this.#checkpoint;
  }

  txsRead(channel: BusChannel): { epoch: string; seq: number } | undefined {
    return this.#txsRead.get(channel);
  }

  async load(): Promise<void> {
    const file = this.#o.stateFile;
    if (file === undefined) return;
    try {
      const state = await file.load();
      if (state === undefined) return;
      for (const [c, p] of state.positions) this.#o.floor.note(c, p);
      this.#checkpoint = state.checkpoint;
      this.#o.log.info({ event: 'state.loaded', path: file.path, channels: state.positions.length, checkpoint: state.checkpoint !== undefined }, 'local state loaded');
    } catch (err) {
      // without it a rewind that happened while this process was down can only be caught by the edges
      this.#o.log.error({ event: 'state.unreadable', path: file.path, err }, 'local state unreadable; starting without it');
    }
  }

  /**
   * Transactions published recently (bus history) are known, so a new leader does not announce them again. A
   * standby reads them as they come (observe), so this catches up on the last moments only.
   */
  async readTxids(): Promise<void> {
    for (const ch of txsChannels(this.#o.txsPartitions ?? 1)) await this.#readTxidsOf(ch);
  }

  async #readTxidsOf(ch: BusChannel): Promise<void> {
    const { bus, floor, markSeen } = this.#o;
    const pos = await bus.position(ch);
    if (pos === undefined) return;
    floor.note(ch, pos);
    const read = this.#txsRead.get(ch);
    let at = read?.epoch === pos.epoch ? read.seq : Math.max(0, pos.seq - 10_000);
    while (at < pos.seq) {
      const h = await bus.history(ch, at, Math.min(10_000, pos.seq - at));
      if (h.epoch !== pos.epoch || h.messages.length === 0) break;
      for (const m of h.messages) if (typeof m.keys.tx === 'string') markSeen(m.keys.tx);
      at = h.messages.at(-1)!.seq;
    }
    this.#txsRead.set(ch, { epoch: pos.epoch, seq: at });
  }

  /**
   * Every observeIntervalMs. A standby reads what the leader publishes (positions into the floor, the checkpoint,
   * txids into the seen set), so whichever ingestor leads next knows as much as the last leader did even when
   * Redis lost it. Then the state is saved when it changed.
   */
  async observe(): Promise<void> {
    if (this.#observing) return;
    this.#observing = true;
    try {
      const { bus, floor } = this.#o;
      if (this.#o.isLeader()) {
        this.#noteOwnCheckpoint();
      } else if (bus.state === 'up') {
        for (const ch of busChannelsFor(this.#o.txsPartitions ?? 1)) {
          const pos = await bus.position(ch);
          if (pos !== undefined) floor.note(ch, pos);
        }
        this.#checkpoint = (await bus.readCheckpoint()) ?? this.#checkpoint;
        await this.readTxids();
      }
      await this.#save();
    } catch (err) {
      this.#o.log.debug({ event: 'ingestor.observe_failed', err }, 'could not read the bus; next round tries again');
    } finally {
      this.#observing = false;
    }
  }

  /** On close: the own checkpoint (if following) is the latest, then saved. */
  async saveFinal(): Promise<void> {
    this.#noteOwnCheckpoint();
    await this.#save();
  }

  #noteOwnCheckpoint(): void {
    const c = this.#o.ownCheckpoint();
    if (c !== undefined) this.#checkpoint = JSON.stringify(c);
  }

  async #save(): Promise<void> {
    const { stateFile: file, floor } = this.#o;
    if (file === undefined) return;
    if (this.#savedAt.floor === floor.changes && this.#savedAt.checkpoint === this.#checkpoint) return;
    const at = { floor: floor.changes, checkpoint: this.#checkpoint };
    try {
      await file.save({ positions: floor.entries(), checkpoint: this.#checkpoint });
      this.#savedAt = at;
    } catch (err) {
      this.#o.log.warn({ event: 'state.save_failed', path: file.path, err }, 'could not save local state; will retry');
    }
  }
}
