// Reference counts of local interest per bus channel: the bus is subscribed while at least one local topic needs
// the channel, and unsubscribed after the last one goes. Bus calls per channel run one at a time.
import { ChainfanError, type BusChannel } from '@chainfan/protocol';
import type { Bus } from '@chainfan/bus';

interface ChannelState {
  refs: number;
  subscribed: boolean;
  /** tail of this channel's serialized bus calls; never rejects */
  tail: Promise<void>;
  pending: number;
}

export interface ChannelRefsEvents {
  /** a bus call failed; the channel stays in its previous state and the next acquire retries */
  onError(channel: BusChannel, op: 'subscribe' | 'unsubscribe', err: unknown): void;
  /** the bus subscription of a channel started or ended (the edge resets that channel's gap tracking) */
  onChange(channel: BusChannel, subscribed: boolean): void;
}

export class ChannelRefs {
  readonly #bus: Bus;
  readonly #events: ChannelRefsEvents;
  readonly #state = new Map<BusChannel, ChannelState>();

  constructor(bus: Bus, events: ChannelRefsEvents) {
    this.#bus = bus;
    this.#events = events;
  }

  /**
   * Counts one more local user of `channel`. Resolves once the bus confirms the subscription (at once when it
   * already is). Rejects when the bus refused; the reference is still held, so the caller must `release` it.
   */
  acquire(channel: BusChannel): Promise<void> {
    const st = this.#get(channel);
    st.refs++;
    if (st.subscribed && st.pending === 0) return Promise.resolve();
    return this.#reconcile(channel, st).then(() => {
      if (!st.subscribed) throw new ChainfanError('CHAINFAN_BUS_DOWN', `bus subscription to ${channel} failed`, { context: { channel } });
    });
  }

  /** Drops one local user; the last one out unsubscribes the bus (in the background, errors reported). */
  release(channel: BusChannel): void {
    const st = this.#state.get(channel);
    if (st === undefined || st.refs === 0) throw new Error(`release of ${channel} without acquire`); // a bookkeeping bug
    st.refs--;
    if (st.refs === 0) void this.#reconcile(channel, st);
  }

  refs(channel: BusChannel): number {
    return this.#state.get(channel)?.refs ?? 0;
  }

  /** Channels the bus is subscribed to right now. */
  subscribed(): BusChannel[] {
    return [...this.#state].filter(([, st]) => st.subscribed).map(([ch]) => ch);
  }

  /** Resolves when no bus call is in flight (for shutdown). */
  async idle(): Promise<void> {
    while ([...this.#state.values()].some((st) => st.pending > 0)) {
      await Promise.all([...this.#state.values()].map((st) => st.tail));
    }
  }

  #get(channel: BusChannel): ChannelState {
    let st = this.#state.get(channel);
    if (st === undefined) {
      st = { refs: 0, subscribed: false, tail: Promise.resolve(), pending: 0 };
      this.#state.set(channel, st);
    }
    return st;
  }

  /** Queues one step that moves the bus towards "subscribed iff refs > 0", judged when the step runs. */
  #reconcile(channel: BusChannel, st: ChannelState): Promise<void> {
    st.pending++;
    st.tail = st.tail.then(async () => {
      try {
        if (st.refs > 0 && !st.subscribed) {
          await this.#bus.subscribe(channel);
          st.subscribed = true;
          this.#events.onChange(channel, true);
        } else if (st.refs === 0 && st.subscribed) {
          await this.#bus.unsubscribe(channel);
          st.subscribed = false;
          this.#events.onChange(channel, false);
        }
      } catch (err) {
        this.#events.onError(channel, st.refs > 0 ? 'subscribe' : 'unsubscribe', err);
      } finally {
        st.pending--;
      }
    });
    return st.tail;
  }
}
