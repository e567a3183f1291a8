// One bus channel as this edge delivers it: strictly in (epoch, seq) order with no gap. After a detected gap
// (GapDetector) or a bus reconnect it fills from history before anything newer goes out, holding newer live messages
// in a bounded buffer meanwhile; what history cannot cover any more is reported through `lost` (→ resync notices).
// A bus that came back older than what this edge delivered (another message under a delivered position, or history
// ending before it) is a rewind: its epoch is ended, nothing more of it is delivered, and the next epoch's start
// reaches clients as `epoch_changed`.
import { type Bus, compareEpochs, GapDetector } from '@chainfan/bus';
import { type BusChannel, type Envelope, START_POSITION, type StreamPosition } from '@chainfan/protocol';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import type { Cancel, Clock } from '../clock.js';
import { RecentRing } from './recent-ring.js';

export interface FeedHooks {
  /** Fans one message out to the channel's live subscribers; returns the frames it encoded (kept for replays). */
  deliver(env: Envelope): Map<string, Buffer>;
  /**
   * Messages after every subscriber's position were lost for good (`history_trimmed`: history no longer reaches
   * back; `epoch_changed`: the channel's sequence restarted). Delivery continues after `continueAfter`.
   */
  lost(channel: BusChannel, reason: 'history_trimmed' | 'epoch_changed', continueAfter: StreamPosition): void;
}

export interface FeedOptions {
  readonly ringCapacity: number;
  readonly ringMaxBytes: number;
  readonly maxHeld: number;
  readonly pageSize: number;
  /** wait before retrying a history read that failed while the bus was up (a timeout); default 500 */
  readonly retryDelayMs?: number;
}

/**
 * `stopped`: not subscribed. `starting`: reading the channel's position. `live`: delivering as messages arrive.
 * `filling`: reading history, holding live messages. `down`: the bus is down; holding until it is back.
 */
export type FeedState = 'stopped' | 'starting' | 'live' | 'filling' | 'down';

export class ChannelFeed {
  readonly channel: BusChannel;
  readonly ring: RecentRing;
  readonly #bus: Bus;
  readonly #hooks: FeedHooks;
  readonly #opts: FeedOptions;
  readonly #metrics: EdgeMetrics;
  readonly #log: Logger;
  readonly #clock: Clock;
  /** judges every live message against the last delivered one */
  readonly #detector = new GapDetector();
  /** the last delivered message (kept beside the detector, which moves on when it reports a gap) */
  #last: StreamPosition | undefined;
  readonly #advance = new Set<() => void>();
  #state: FeedState = 'stopped';
  /** bumped by stop(): async work begun under an older generation is discarded */
  #generation = 0;
  #held: Envelope[] = [];
  #ready: Promise<void> | undefined;
  #filling = false;
  #retry: Cancel | undefined;
  /** epochs proven rewound on this channel: never delivered from again (a handful at most; oldest forgotten) */
  readonly #rewound = new Set<string>();
  /** when this feed last asked the bus to end a rewound epoch (asked again, at most every retryDelayMs) */
  #endAskedAt = Number.NEGATIVE_INFINITY;

  constructor(channel: BusChannel, deps: { bus: Bus; hooks: FeedHooks; options: FeedOptions; metrics: EdgeMetrics; log: Logger; clock: Clock }) {
    this.channel = channel;
    this.#bus = deps.bus;
    this.#hooks = deps.hooks;
    this.#opts = deps.options;
    this.#metrics = deps.metrics;
    this.#log = deps.log;
    this.#clock = deps.clock;
    this.ring = new RecentRing(deps.options.ringCapacity, deps.options.ringMaxBytes);
  }

  get state(): FeedState {
    return this.#state;
  }

  /** After which message the channel's subscribers stand; START_POSITION when nothing was ever published. */
  get position(): StreamPosition {
    return this.#last ?? START_POSITION;
  }

  get held(): number {
    return this.#held.length;
  }

  /**
   * Establishes the baseline (the channel's position, read after the bus subscription was confirmed) and goes live.
   * Single-flight; rejects when the position cannot be read (the caller refuses its subscribe, the next one retries).
   */
  ensureStarted(): Promise<void> {
    if (this.#ready !== undefined) return this.#ready;
    const gen = ++this.#generation;
    this.#state = 'starting';
    this.#ready = (async () => {
      let pos: StreamPosition | undefined;
      try {
        pos = await this.#bus.position(this.channel);
      } catch (err) {
        if (gen === this.#generation) this.#reset('stopped');
        throw err;
      }
      if (gen !== this.#generation) return;
      // a message published between the bus subscription and this read is both in `pos` and (soon) live: the
      // detector drops the live copy as a duplicate, consistent with the positions acks report
      if (pos === undefined) this.ring.reset('', 0);
      else this.#setPosition(pos);
      this.#state = this.#bus.state === 'up' ? 'live' : 'down';
      this.#replayHeld();
    })();
    return this.#ready;
  }

  /** The channel's bus subscription ended: forget everything, including the position. */
  stop(): void {
    this.#generation++;
    this.#reset('stopped');
  }

  /** Every bus message of this channel, in bus order. Synchronous; never throws. */
  receive(env: Envelope): void {
    if (this.#rewound.size > 0 && this.#rewound.has(env.epoch)) {
      this.#dropRewound(env.epoch);
      return;
    }
    if (this.#state !== 'live') {
      this.#hold(env);
      return;
    }
    const last = this.#last;
    if (last === undefined) {
      // nothing was published when we started: the first message must be seq 1 of its epoch
      if (env.seq === 1) {
        this.#detector.reset(this.channel, env.epoch, env.seq);
        this.#deliver(env);
      } else {
        this.#hold(env);
        this.#fill('gap');
      }
      return;
    }
    const v = this.#detector.check(this.channel, env.epoch, env.seq);
    switch (v.verdict) {
      case 'next':
        this.#deliver(env);
        return;
      case 'duplicate': {
        // Only the same message is a duplicate. One this edge no longer holds cannot be compared: that is the
        // subscribe/position race at start, where the copy is always the same message.
        const had = this.ring.at(env.epoch, env.seq);
        if (had === undefined || had.env.wire === env.wire) {
          this.#metrics.messagesDropped.inc({ reason: 'duplicate' }); // delivered once already; clients must not see it twice
          return;
        }
        this.#onRewound(env.epoch, 'live', env.seq);
        this.#metrics.gapFills.inc({ channel: this.channel, outcome: 'rewound' });
        this.#dropRewound(env.epoch);
        return;
      }
      case 'gap':
        this.#detector.reset(this.channel, last.epoch, last.seq);
        this.#metrics.busGaps.inc({ channel: this.channel });
        this.#log.warn({ event: 'bus.gap', channel: this.channel, epoch: env.epoch, from: v.from, to: v.to }, 'gap in bus sequence: filling from history');
        this.#hold(env);
        this.#fill('gap');
        return;
      case 'new-epoch':
        this.#detector.reset(this.channel, last.epoch, last.seq);
        this.#log.warn({ event: 'bus.new_epoch', channel: this.channel, epoch: env.epoch, seq: env.seq }, 'bus channel restarted its sequence');
        this.#hold(env);
        this.#fill('epoch');
        return;
    }
  }

  /** The bus lost its connection: hold everything (a message may still arrive before 'up') until busUp(). */
  busDown(): void {
    if (this.#state === 'live' || this.#state === 'filling') this.#state = 'down';
  }

  /** The bus is back (re-subscribed): whatever was published meanwhile is in history; fill before going live. */
  busUp(): void {
    if (this.#state === 'down' || this.#state === 'live') this.#fill('reconnect');
  }

  /**
   * Someone saw history in another epoch than this feed (a Redis that restarted while the channel was quiet): fill
   * now instead of waiting for the next live message to reveal it.
   */
  checkHistory(): void {
    if (this.#state === 'live') this.#fill('epoch');
  }

  /**
   * The bus says the channel stands past what this feed delivered, and no live message came to show it (a pub/sub
   * subscription lost in a shard's failover, a message lost in transit): fill from history now.
   */
  catchUp(): void {
    if (this.#state === 'live') this.#fill('gap');
  }

  /** `fn` runs after every delivered message (synchronously); returns its remover. */
  onAdvance(fn: () => void): () => void {
    this.#advance.add(fn);
    return () => this.#advance.delete(fn);
  }

  #setPosition(pos: StreamPosition): void {
    this.#detector.reset(this.channel, pos.epoch, pos.seq);
    this.#last = pos;
    this.ring.reset(pos.epoch, pos.seq);
  }

  #reset(state: FeedState): void {
    this.#state = state;
    this.#held = [];
    this.#metrics.heldMessages.set({ channel: this.channel }, 0);
    this.#ready = undefined;
    this.#retry?.();
    this.#retry = undefined;
    this.#detector.forget(this.channel);
    this.#last = undefined;
    this.ring.reset('', 0);
  }

  #deliver(env: Envelope): void {
    this.#last = { epoch: env.epoch, seq: env.seq };
    this.ring.push(env, this.#hooks.deliver(env));
    if (this.#advance.size > 0) for (const fn of [...this.#advance]) fn();
  }

  #hold(env: Envelope): void {
    if (this.#state === 'stopped') return; // arrived while unsubscribing
    if (this.#held.length >= this.#opts.maxHeld) {
      // everything held is also in history: forgetting it costs a longer fill, not a message
      this.#metrics.messagesDropped.inc({ reason: 'held_overflow' }, this.#held.length);
      this.#held = [];
    }
    this.#held.push(env);
    this.#metrics.heldMessages.set({ channel: this.channel }, this.#held.length);
  }

  /** After start: run the held messages through receive() in order (duplicates drop, gaps start a fill). */
  #replayHeld(): void {
    const held = this.#held;
    this.#held = [];
    this.#metrics.heldMessages.set({ channel: this.channel }, 0);
    for (const env of held) this.receive(env);
  }

  #fill(cause: 'gap' | 'epoch' | 'reconnect'): void {
    if (this.#filling) return; // the running fill takes whatever is held when it catches up
    this.#filling = true;
    this.#state = 'filling';
    const gen = this.#generation;
    const started = this.#clock.now();
    void this.#runFill(gen).then(
      (outcome) => {
        this.#filling = false;
        if (gen !== this.#generation || outcome === undefined) return;
        this.#metrics.gapFills.inc({ channel: this.channel, outcome });
        this.#log.info({ event: 'feed.filled', channel: this.channel, cause, outcome, ms: this.#clock.now() - started, position: this.position }, 'channel caught up from history');
      },
      (err: unknown) => {
        // a bug in delivery: say so loudly, and keep the channel from stalling for ever
        this.#filling = false;
        this.#log.error({ event: 'feed.fill_crashed', channel: this.channel, err }, 'fill crashed');
        if (gen === this.#generation) this.#state = 'down';
      },
    );
  }

  /** Resolves with the outcome once live, or undefined when it stopped early (bus down, stop(), a retry pending). */
  async #runFill(gen: number): Promise<string | undefined> {
    let outcome = 'filled';
    for (;;) {
      if (gen !== this.#generation) return undefined;
      if (this.#bus.state !== 'up') {
        this.#state = 'down'; // busUp() starts over
        return undefined;
      }
      let r;
      // Read from the last delivered message itself when the ring still has it: history must hold that very
      // message, or the channel was rewound under the same epoch.
      const since = this.#last?.seq ?? 0;
      const probe = since > 0 ? this.ring.at(this.#last!.epoch, since) : undefined;
      try {
        r = await this.#bus.history(this.channel, probe === undefined ? since : since - 1, this.#opts.pageSize);
      } catch (err) {
        if (gen !== this.#generation) return undefined;
        this.#log.warn({ event: 'feed.history_failed', channel: this.channel, err }, 'history read failed; retrying');
        if (this.#bus.state === 'up') {
          this.#retry = this.#clock.setTimeout(() => {
            this.#retry = undefined;
            if (gen === this.#generation && !this.#filling) this.#fill('gap');
          }, this.#opts.retryDelayMs ?? 500);
        } else {
          this.#state = 'down';
        }
        return undefined;
      }
      if (gen !== this.#generation) return undefined;
      if (r.epoch === undefined) {
        // history is empty (a Redis that lost its data, nothing published since): what is held belongs to a dead
        // epoch; the next live message starts the new one and is judged then
        this.#held = [];
        break;
      }
      if (this.#rewound.has(r.epoch)) {
        // the epoch this feed proved rewound is still current: drop what is held; the next epoch's start is judged live
        this.#held = [];
        this.#askEnd(r.epoch);
        outcome = 'rewound';
        break;
      }
      const pos = this.#last;
      if (pos !== undefined && this.#isRewind(pos, r.epoch, r.lastSeq, r.messages[0], probe?.env.wire)) {
        this.#onRewound(r.epoch, 'history', pos.seq);
        this.#held = [];
        outcome = 'rewound';
        break;
      }
      if (pos !== undefined && pos.epoch !== r.epoch) {
        outcome = 'epoch_changed';
        this.#hooks.lost(this.channel, 'epoch_changed', { epoch: r.epoch, seq: 0 });
        this.#setPosition({ epoch: r.epoch, seq: 0 });
        continue;
      }
      if (pos === undefined) this.#setPosition({ epoch: r.epoch, seq: 0 });
      const at = this.#last?.seq ?? 0;
      const first = r.messages[0]?.seq;
      if (!r.covered && first !== undefined && first > at + 1) {
        outcome = 'history_trimmed';
        this.#hooks.lost(this.channel, 'history_trimmed', { epoch: r.epoch, seq: first - 1 });
        this.#setPosition({ epoch: r.epoch, seq: first - 1 });
      }
      for (const m of r.messages) {
        if (m.seq !== (this.#last?.seq ?? 0) + 1) continue;
        this.#detector.reset(this.channel, m.epoch, m.seq);
        this.#deliver(m);
      }
      if (r.messages.length >= this.#opts.pageSize) continue;
      if (this.#takeHeld()) break;
    }
    this.#state = 'live';
    return outcome;
  }

  /**
   * Whether history shows the channel behind the delivered position `pos`: an older epoch, the same epoch ending
   * before it, or another message under it (`probeWire`: the message delivered at pos.seq, when the ring has it).
   */
  #isRewind(pos: StreamPosition, epoch: string, lastSeq: number | undefined, first: Envelope | undefined, probeWire: string | undefined): boolean {
    if (pos.epoch !== epoch) return compareEpochs(epoch, pos.epoch) < 0;
    if (lastSeq !== undefined && lastSeq < pos.seq) return true;
    return probeWire !== undefined && first !== undefined && first.seq === pos.seq && first.wire !== probeWire;
  }

  /** The bus showed `epoch` behind what this edge delivered: end that epoch, so the publisher starts a new one. */
  #onRewound(epoch: string, how: 'live' | 'history', seq: number): void {
    if (this.#rewound.size >= 8) this.#rewound.delete(this.#rewound.values().next().value!);
    this.#rewound.add(epoch);
    this.#log.error(
      { event: 'bus.rewound', channel: this.channel, epoch, seq, how, position: this.position },
      'bus channel came back older than what this edge delivered: ending its epoch; clients get epoch_changed when the next one starts',
    );
    this.#endAskedAt = Number.NEGATIVE_INFINITY;
    this.#askEnd(epoch);
  }

  #dropRewound(epoch: string): void {
    this.#metrics.messagesDropped.inc({ reason: 'rewound' });
    this.#askEnd(epoch);
  }

  /** Asks the bus to end the rewound epoch; again on later messages of it, when the last ask was a while ago. */
  #askEnd(epoch: string): void {
    const now = this.#clock.now();
    if (now - this.#endAskedAt < (this.#opts.retryDelayMs ?? 500)) return;
    this.#endAskedAt = now;
    this.#bus.endEpoch(this.channel, epoch).then(
      (ended) => this.#log.warn({ event: 'bus.epoch_ended', channel: this.channel, epoch, ended }, ended ? 'rewound epoch ended' : 'rewound epoch already over'),
      (err: unknown) => this.#log.warn({ event: 'bus.end_epoch_failed', channel: this.channel, epoch, err }, 'could not end the rewound epoch; will ask again'),
    );
  }

  /** Delivers held messages that continue the sequence; true when nothing is left held (the channel can go live). */
  #takeHeld(): boolean {
    const p = this.#last;
    if (p === undefined) return this.#held.length === 0;
    // messages of another epoch are dead (history spoke for the current one); older ones were delivered from history
    let held = this.#held.filter((e) => e.epoch === p.epoch && e.seq > p.seq);
    while (held.length > 0 && held[0]!.seq === (this.#last?.seq ?? 0) + 1) {
      const env = held.shift()!;
      this.#detector.reset(this.channel, env.epoch, env.seq);
      this.#deliver(env);
    }
    held = held.filter((e) => e.seq > (this.#last?.seq ?? 0));
    this.#held = held;
    this.#metrics.heldMessages.set({ channel: this.channel }, held.length);
    return held.length === 0;
  }
}
