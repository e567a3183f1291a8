// Recovery of one subscription from a position: replays what the socket missed — from history pages,
// then from the channel's recent ring — and joins the live stream in the same synchronous step that sends the last
// ring entry, so nothing falls between replay and live and nothing arrives twice (docs/decisions/0008).
// Per-socket work happens only here, for sockets that asked to recover; plain live delivery never comes this way.
import type { Bus } from '@chainfan/bus';
import type { BusChannel, Dialect, Envelope, ResyncReason, Since, StreamPosition, Topic } from '@chainfan/protocol';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import type { Clock } from '../clock.js';
import type { ChannelFeed } from '../feed/channel-feed.js';
import type { RingEntry } from '../feed/recent-ring.js';
import { waitForAdvance } from '../feed/wait-for-advance.js';

/** The socket side of one recovery, provided by the Edge. */
export interface RecoveryTarget {
  readonly dialect: Dialect;
  readonly topic: Topic;
  /** the topic as the client spelled it (resync notices echo it) */
  readonly raw: string;
  readonly isOpen: boolean;
  /** One direct send (already corked, result handled and counted by the Edge); false once the socket is unusable. */
  send(frame: Buffer | string, eventBytes: boolean): boolean;
  /**
   * Runs `fn` with the socket corked for all its sends. Returns what `fn` returns.
   */
  corked<T>(fn: () => T): T;
  /** Resolves once the socket's outbound buffer is low enough to send more (or it closed). */
  whenWritable(): Promise<void>;
  /** Messages the client holds already (a chain-anchored resume sent those blocks itself): never replayed. */
  readonly skip?: (env: Envelope) => boolean;
  /** Called synchronously right after the last replayed frame: join the live stream and acknowledge. */
  join(positions: ReadonlyMap<BusChannel, StreamPosition>): void;
}

export interface RecoveryDeps {
  readonly bus: Bus;
  readonly feed: (channel: BusChannel) => ChannelFeed;
  /** whether a message belongs to the topic — the live routing, reused */
  readonly matches: (env: Envelope, topic: Topic) => boolean;
  /** frame of a history message for a dialect, undefined when it has none (the Edge caches these, so a reconnect
   *  storm encodes each once) */
  readonly encode: (env: Envelope, dialect: Dialect) => Buffer | undefined;
  readonly pageSize: number;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
}

/** `recovered`: nothing was lost. `not_recovered`: at least one resync notice went out. `cancelled`: socket gone. */
export type RecoveryOutcome = 'recovered' | 'not_recovered' | 'cancelled';

type Blocker = { readonly channel: BusChannel; readonly why: 'history' | 'wait' };

/** Longest single wait for the feed before the loop looks again. */
const WAIT_SLICE_MS = 1_000;
/** History reads in a row that moved nothing before the recovery gives up on history. */
const MAX_IDLE_READS = 3;

export class Recovery {
  readonly #t: RecoveryTarget;
  readonly #d: RecoveryDeps;
  readonly #cursor = new Map<BusChannel, StreamPosition>();
  #cancelled = false;
  #notices = 0;
  #idleReads = 0;

  constructor(target: RecoveryTarget, since: Since, deps: RecoveryDeps) {
    this.#t = target;
    this.#d = deps;
    // "now" channels start where the channel stands at this instant: live from the subscribe on
    for (const [ch, pos] of since) this.#cursor.set(ch, pos ?? deps.feed(ch).position);
  }

  /** What the socket has of the topic on `channel` (for a drop-and-resync while recovering). */
  cursor(channel: BusChannel): StreamPosition | undefined {
    return this.#cursor.get(channel);
  }

  get channels(): readonly BusChannel[] {
    return [...this.#cursor.keys()];
  }

  cancel(): void {
    this.#cancelled = true;
  }

  async run(): Promise<RecoveryOutcome> {
    const deadline = this.#d.clock.now() + this.#d.timeoutMs;
    for (;;) {
      if (this.#cancelled || !this.#t.isOpen) return 'cancelled';
      const blocker = this.#blocker();
      if (blocker === undefined) {
        if (!this.#switch()) return 'cancelled';
        return this.#notices > 0 ? 'not_recovered' : 'recovered';
      }
      if (this.#d.clock.now() >= deadline) {
        this.#giveUp(blocker);
        continue;
      }
      if (blocker.why === 'wait') await this.#waitForFeed(blocker.channel, deadline);
      else await this.#readHistory(blocker.channel, deadline);
      await this.#t.whenWritable();
    }
  }

  /** The first channel not ready for the synchronous switch to live, and what it waits for. */
  #blocker(): Blocker | undefined {
    for (const [ch, cur] of this.#cursor) {
      const feed = this.#d.feed(ch);
      const fp = feed.position;
      if (feed.state === 'stopped' || feed.state === 'starting') return { channel: ch, why: 'wait' };
      if (cur.seq === 0 && (cur.epoch === '' || cur.epoch === fp.epoch)) {
        // from the start of whatever epoch is current (or of this one); the start of another epoch is judged below
        if (fp.seq === 0 || feed.ring.covers(fp.epoch, 0)) continue;
        return { channel: ch, why: 'history' };
      }
      if (cur.epoch !== fp.epoch) return { channel: ch, why: 'history' }; // history tells whether the epoch is gone
      if (cur.seq > fp.seq) return { channel: ch, why: 'wait' }; // the client saw more than this edge has yet
      if (!feed.ring.covers(cur.epoch, cur.seq)) return { channel: ch, why: 'history' };
    }
    return undefined;
  }

  async #readHistory(ch: BusChannel, deadline: number): Promise<void> {
    const cur = this.#cursor.get(ch)!;
    let r;
    try {
      r = await this.#d.bus.history(ch, cur.seq, this.#d.pageSize);
    } catch (err) {
      this.#d.log.debug({ event: 'recovery.history_failed', channel: ch, err }, 'history read failed; retrying');
      await this.#pause(Math.min(250, Math.max(0, deadline - this.#d.clock.now())));
      return;
    }
    if (this.#cancelled) return;
    const feed = this.#d.feed(ch);
    // a position names an epoch once the client saw anything of one, even its start (seq 0 after an epoch_changed)
    const named = cur.seq > 0 || cur.epoch !== '';
    if (r.epoch === undefined) {
      // no history at all: whatever the position referred to is gone; continue where this edge stands
      if (named) this.#notice(ch, 'epoch_changed', feed.position);
      this.#cursor.set(ch, feed.position);
      return;
    }
    if (named && r.epoch !== cur.epoch) {
      this.#notice(ch, 'epoch_changed', { epoch: r.epoch, seq: 0 });
      this.#cursor.set(ch, { epoch: r.epoch, seq: 0 });
      return;
    }
    let at: StreamPosition = { epoch: r.epoch, seq: cur.seq };
    const first = r.messages[0]?.seq;
    if (!r.covered && first !== undefined && first > at.seq + 1) {
      at = { epoch: r.epoch, seq: first - 1 };
      this.#notice(ch, 'history_trimmed', at);
    }
    const fp = feed.position;
    if (fp.epoch !== r.epoch) {
      // this edge has not reached history's epoch yet: never run ahead of the feed; make it catch up and wait
      this.#cursor.set(ch, at);
      feed.checkHistory();
      await this.#waitForFeed(ch, deadline);
      return;
    }
    let sent = 0;
    const sendable = this.#t.corked(() => {
      for (const m of r.messages) {
        if (m.seq <= at.seq) continue;
        if (m.seq > fp.seq) break; // the ring and the live stream carry it from here
        if (this.#d.matches(m, this.#t.topic) && this.#t.skip?.(m) !== true) {
          const f = this.#d.encode(m, this.#t.dialect);
          if (f !== undefined) {
            if (!this.#t.send(f, true)) return false;
            sent++;
          }
        }
        at = { epoch: m.epoch, seq: m.seq };
      }
      return true;
    });
    if (!sendable) return;
    if (sent > 0) this.#d.metrics.replayedMessages.inc({ channel: ch }, sent);
    if (at.seq === cur.seq && at.epoch === cur.epoch) {
      // nothing moved: history and this edge disagree in a way waiting will not fix
      if (++this.#idleReads >= MAX_IDLE_READS) {
        this.#notice(ch, 'history_trimmed', fp);
        at = fp;
      }
    } else {
      this.#idleReads = 0;
    }
    this.#cursor.set(ch, at);
  }

  #frame(e: RingEntry): Buffer | undefined {
    const name = this.#t.dialect.name;
    let f = e.frames.get(name);
    if (f === undefined) {
      const text = this.#t.dialect.encodeEvent(e.env);
      if (text === undefined) return undefined;
      f = Buffer.from(text, 'utf8');
      e.frames.set(name, f);
    }
    return f;
  }

  /** Sends what the rings hold after each cursor and joins live, all in one synchronous (and corked) step. */
  #switch(): boolean {
    return this.#t.corked(() => this.#switchCorked());
  }

  #switchCorked(): boolean {
    const positions = new Map<BusChannel, StreamPosition>();
    for (const [ch, cur] of this.#cursor) {
      const feed = this.#d.feed(ch);
      let sent = 0;
      // #blocker() established that the ring holds everything after the cursor (seq 0: from the epoch's start)
      for (const e of feed.ring.after(cur.seq)) {
        if (!this.#d.matches(e.env, this.#t.topic) || this.#t.skip?.(e.env) === true) continue;
        const f = this.#frame(e);
        if (f === undefined) continue;
        if (!this.#t.send(f, true)) return false;
        sent++;
      }
      if (sent > 0) this.#d.metrics.replayedMessages.inc({ channel: ch }, sent);
      positions.set(ch, feed.position);
      this.#cursor.set(ch, feed.position);
    }
    this.#t.join(positions);
    return true;
  }

  /** At the deadline: tell the client what it may have missed and continue where this edge stands. */
  #giveUp(b: Blocker): void {
    const feed = this.#d.feed(b.channel);
    const cur = this.#cursor.get(b.channel)!;
    const reason: ResyncReason = b.why === 'wait' && cur.epoch === feed.position.epoch && cur.seq > feed.position.seq ? 'position_ahead' : 'history_unavailable';
    this.#notice(b.channel, reason, feed.position);
    this.#cursor.set(b.channel, feed.position);
  }

  #notice(channel: BusChannel, reason: ResyncReason, position: StreamPosition): void {
    this.#notices++;
    this.#d.metrics.resyncs.inc({ reason });
    const n = this.#t.dialect.encodeResync({ topic: this.#t.raw, channel, reason, subscribed: true, position });
    if (n !== undefined) this.#t.send(n, false);
  }

  /** Until the feed delivers its next message, or a slice of time passes (the loop then looks again). */
  #waitForFeed(ch: BusChannel, deadline: number): Promise<void> {
    return waitForAdvance(this.#d.feed(ch), this.#d.clock, deadline, WAIT_SLICE_MS);
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#d.clock.setTimeout(resolve, Math.max(1, ms));
    });
  }
}
