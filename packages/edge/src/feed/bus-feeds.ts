// The edge's side of the bus: which channels it holds (refcounted through ChannelRefs), one ChannelFeed per channel,
// bus messages handed to their feed, the bus state shown in metrics and passed on to the feeds, and a periodic look at
// each channel's position on the bus, so a channel whose live messages stopped arriving (a sharded subscription lost
// in one Cluster shard's failover while the bus as a whole stayed up) catches up without waiting for its next message.
import type { Bus, BusState } from '@chainfan/bus';
import type { BusChannel, Envelope, StreamPosition } from '@chainfan/protocol';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import { ChannelRefs } from '../channel-refs.js';
import type { Cancel, Clock } from '../clock.js';
import { ChannelFeed, type FeedHooks, type FeedOptions } from './channel-feed.js';

export interface BusFeedsDeps {
  readonly bus: Bus;
  readonly options: FeedOptions;
  /** where a feed's messages and losses go (the fan-out) */
  readonly hooks: FeedHooks;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
  readonly clock: Clock;
  /** true once the edge closes: bus messages are ignored from then on */
  readonly closing: () => boolean;
  /** how often the channels' positions on the bus are compared with what was delivered; 0: never. Default 5 s */
  readonly probeIntervalMs?: number;
}

const DEFAULT_PROBE_INTERVAL_MS = 5_000;

export class BusFeeds {
  readonly #d: BusFeedsDeps;
  readonly #channels: ChannelRefs;
  readonly #feeds = new Map<BusChannel, ChannelFeed>();
  /** per channel: where its feed stood when the bus was last seen ahead of it */
  readonly #behind = new Map<BusChannel, StreamPosition>();
  #probeTimer: Cancel | undefined;
  #probing = false;
  #stopped = false;

  constructor(deps: BusFeedsDeps) {
    this.#d = deps;
    this.#channels = new ChannelRefs(deps.bus, {
      onError: (channel, op, err) => deps.log.warn({ event: `bus.${op}_failed`, channel, err }, `bus ${op} failed`),
      onChange: (channel, subscribed) => {
        // a new subscription starts from a fresh baseline; the old position says nothing about gaps
        if (!subscribed) this.#feeds.get(channel)?.stop();
        deps.log.debug({ event: 'bus.channel', channel, subscribed }, subscribed ? 'bus channel subscribed' : 'bus channel released');
      },
    });
  }

  /** Registers the bus handlers and reports the bus's current state. */
  start(): void {
    this.#d.bus.onMessage((env) => this.#onMessage(env));
    this.#d.bus.onStateChange((state) => this.#onState(state));
    this.#setState(this.#d.bus.state);
    this.#scheduleProbe();
  }

  /** Holds a bus channel and starts its feed; resolves once the bus confirmed it. */
  acquire(ch: BusChannel): Promise<void> {
    return this.#channels.acquire(ch).then(() => this.feed(ch).ensureStarted());
  }

  release(ch: BusChannel): void {
    this.#channels.release(ch);
  }

  /** The channel's feed, created on first use. */
  feed(ch: BusChannel): ChannelFeed {
    let f = this.#feeds.get(ch);
    if (f === undefined) {
      f = new ChannelFeed(ch, {
        bus: this.#d.bus,
        hooks: this.#d.hooks,
        options: this.#d.options,
        metrics: this.#d.metrics,
        log: this.#d.log.child({ component: 'feed', channel: ch }),
        clock: this.#d.clock,
      });
      this.#feeds.set(ch, f);
    }
    return f;
  }

  position(ch: BusChannel): StreamPosition {
    return this.feed(ch).position;
  }

  /** Channels held on the bus now. */
  subscribed(): BusChannel[] {
    return this.#channels.subscribed();
  }

  /** Resolves once no bus subscribe or unsubscribe is in flight. */
  idle(): Promise<void> {
    return this.#channels.idle();
  }

  stop(): void {
    this.#stopped = true;
    this.#probeTimer?.();
    this.#probeTimer = undefined;
    for (const f of this.#feeds.values()) f.stop();
  }

  /**
   * Compares each live channel's position on the bus with what its feed delivered. A feed found behind twice in a row
   * at the same place catches up from history (once is normal: a message published and not yet arrived).
   */
  async probe(): Promise<void> {
    if (this.#probing || this.#d.bus.state !== 'up') return;
    this.#probing = true;
    try {
      for (const ch of this.#channels.subscribed()) {
        const feed = this.#feeds.get(ch);
        if (feed === undefined || feed.state !== 'live') continue;
        let onBus: StreamPosition | undefined;
        try {
          onBus = await this.#d.bus.position(ch);
        } catch (err) {
          this.#d.log.debug({ event: 'feed.probe_failed', channel: ch, err }, 'position probe failed');
          continue;
        }
        const at = feed.position;
        const ahead = onBus !== undefined && (onBus.epoch !== at.epoch || onBus.seq > at.seq);
        if (!ahead) {
          this.#behind.delete(ch);
          continue;
        }
        const before = this.#behind.get(ch);
        if (before !== undefined && before.epoch === at.epoch && before.seq === at.seq) {
          this.#behind.delete(ch);
          this.#d.metrics.feedProbeCatchUps.inc({ channel: ch });
          this.#d.log.warn({ event: 'feed.silent_channel', channel: ch, delivered: at, bus: onBus }, 'live messages stopped arriving on a channel; catching up from history');
          feed.catchUp();
        } else {
          this.#behind.set(ch, at);
        }
      }
    } finally {
      this.#probing = false;
    }
  }

  #scheduleProbe(): void {
    const every = this.#d.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
    if (every <= 0 || this.#stopped || this.#d.closing()) return;
    this.#probeTimer = this.#d.clock.setTimeout(() => {
      void this.probe().finally(() => this.#scheduleProbe());
    }, every);
  }

  #onState(state: BusState): void {
    this.#setState(state);
    this.#d.log.info({ event: 'bus.state', state }, `bus ${state}`);
    for (const f of this.#feeds.values()) {
      if (state === 'down') f.busDown();
      else if (state === 'up') f.busUp();
    }
  }

  #setState(state: BusState): void {
    this.#d.metrics.busUp.set(state === 'up' ? 1 : 0);
    for (const s of ['connecting', 'up', 'down', 'closed'] as const) this.#d.metrics.busState.set({ state: s }, s === state ? 1 : 0);
  }

  #onMessage(env: Envelope): void {
    if (this.#d.closing()) return;
    this.#d.metrics.busMessages.inc({ channel: env.channel });
    this.#feeds.get(env.channel)?.receive(env);
  }
}
