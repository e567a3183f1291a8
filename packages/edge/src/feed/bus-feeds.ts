// The edge's side of the bus: which channels it holds (refcounted through ChannelRefs), one ChannelFeed per channel,
// bus messages handed to their feed, and the bus state shown in metrics and passed on to the feeds.
import type { Bus, BusState } from '@chainfan/bus';
import type { BusChannel, Envelope, StreamPosition } from '@chainfan/protocol';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import { ChannelRefs } from '../channel-refs.js';
import type { Clock } from '../clock.js';
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
}

export class BusFeeds {
  readonly #d: BusFeedsDeps;
  readonly #channels: ChannelRefs;
  readonly #feeds = new Map<BusChannel, ChannelFeed>();

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
    for (const f of this.#feeds.values()) f.stop();
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
