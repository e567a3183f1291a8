// The edge side of dialects' derived streams (Dialect.derived): one state per (dialect, stream) while it has local
// subscribers, fed synchronously from the fan-out with every envelope of its channels, flushed on its interval, and
// publishing each frame once to the uWS topic of its variant. Dropped (timer and state) after its last subscriber.
import type { BusChannel, DerivedOutput, DerivedState, DerivedStream, Dialect, Envelope } from '@chainfan/protocol';
import type { Cancel, Clock } from '../clock.js';

/** The registry key (and uWS topic suffix) of one variant of a derived stream. */
export function derivedKey(stream: string, variant: string): string {
  return `derived:${stream}:${variant}`;
}

export interface DerivedHost {
  /** whether any local socket of `dialect` reads `key` */
  has(dialect: Dialect, key: string): boolean;
  /** publishes one frame to every local reader of (dialect, key) */
  publish(dialect: Dialect, key: string, stream: string, frame: string): void;
}

interface Runtime {
  readonly dialect: Dialect;
  readonly stream: DerivedStream;
  readonly state: DerivedState;
  readonly out: DerivedOutput;
  refs: number;
  cancel: Cancel | undefined;
}

export class DerivedStreams {
  readonly #host: DerivedHost;
  readonly #clock: Clock;
  readonly #byId = new Map<string, Runtime>();
  readonly #byChannel = new Map<BusChannel, Set<Runtime>>();
  #closed = false;

  constructor(host: DerivedHost, clock: Clock) {
    this.#host = host;
    this.#clock = clock;
  }

  /** Counts one more local subscriber (any variant); the first creates the state and starts its timer. */
  join(dialect: Dialect, stream: DerivedStream): void {
    const id = `${dialect.name}|${stream.name}`;
    let rt = this.#byId.get(id);
    if (rt === undefined) {
      const out: DerivedOutput = {
        wants: (variant) => this.#host.has(dialect, derivedKey(stream.name, variant)),
        emit: (variant, frame) => this.#host.publish(dialect, derivedKey(stream.name, variant), stream.name, frame),
      };
      rt = { dialect, stream, state: stream.create(), out, refs: 0, cancel: undefined };
      this.#byId.set(id, rt);
      for (const ch of stream.channels) {
        let set = this.#byChannel.get(ch);
        if (set === undefined) this.#byChannel.set(ch, (set = new Set()));
        set.add(rt);
      }
      this.#schedule(rt);
    }
    rt.refs++;
  }

  /** The last subscriber out drops the state: a later subscriber starts from nothing ("new … only"). */
  leave(dialect: Dialect, streamName: string): void {
    const id = `${dialect.name}|${streamName}`;
    const rt = this.#byId.get(id);
    if (rt === undefined) throw new Error(`leave of unknown derived stream ${id}`); // a bookkeeping bug
    if (--rt.refs > 0) return;
    rt.cancel?.();
    this.#byId.delete(id);
    for (const ch of rt.stream.channels) this.#byChannel.get(ch)?.delete(rt);
  }

  /** Inside the fan-out, in channel order. */
  deliver(env: Envelope): void {
    const set = this.#byChannel.get(env.channel);
    if (set === undefined || set.size === 0) return;
    for (const rt of set) rt.state.add(env, rt.out);
  }

  get active(): number {
    return this.#byId.size;
  }

  close(): void {
    this.#closed = true;
    for (const rt of this.#byId.values()) rt.cancel?.();
  }

  #schedule(rt: Runtime): void {
    const { intervalMs } = rt.stream;
    const flush = rt.state.flush?.bind(rt.state);
    if (intervalMs === undefined || flush === undefined) return;
    const tick = (): void => {
      if (this.#closed || this.#byId.get(`${rt.dialect.name}|${rt.stream.name}`) !== rt) return;
      flush(this.#clock.now(), rt.out);
      rt.cancel = this.#clock.setTimeout(tick, intervalMs);
    };
    rt.cancel = this.#clock.setTimeout(tick, intervalMs);
  }
}
