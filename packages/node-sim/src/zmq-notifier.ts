// The node's ZMQ PUB side: one Publisher, real 3-frame messages, a uint32 counter per topic, sends strictly serial.
import { setTimeout as delay } from 'node:timers/promises';
import type { Publisher } from 'zeromq';
import { encodeZmqFrames } from '@chainfan/chain';
import { ChainfanError } from '@chainfan/protocol';
import type { Random } from './random.js';
import type { StallGate } from './stall-gate.js';

import { ZMQ_TOPICS, type ZmqTopic } from './zmq-topics.js';

export { ZMQ_TOPICS, type ZmqTopic };

export interface ZmqNotifierOptions {
  /** `tcp://host:port`; port 0 binds an ephemeral port, read it back from `bind()`. */
  readonly endpoint: string;
  /** Topics that are published; a topic not listed is neither sent nor counted (as a node without that -zmqpub option). */
  readonly topics: readonly ZmqTopic[];
  /** Sends waiting behind the one in flight before `publish` rejects: the simulator must never buffer without bound. */
  readonly maxQueuedSends: number;
  /** ZMQ_SNDHWM per subscriber (the node's default is 1000); beyond it libzmq drops, as on a real node. */
  readonly sendHighWaterMark: number;
  /** Fault injection: share of node messages dropped after counting, each (topic, message) on its own draw. Default 0. */
  readonly dropFraction?: number;
  /** Draws the drop decisions; needed when `dropFraction` is ever above 0. */
  readonly random?: Random;
  /** Fault injection: while held, nothing is sent; notifications wait in the bounded queue, in order. */
  readonly stall?: StallGate;
}

/** Topic of the probe message used by tests to learn that a subscription is live; never sent unless asked for. */
export const ZMQ_PROBE_TOPIC = 'chainfan-probe';

/** libzmq releases a closed socket's port asynchronously; a rebind on the same port (a restart) retries this long. */
const REBIND_DEADLINE_MS = 3_000;

export class ZmqNotifier {
  readonly #opts: ZmqNotifierOptions;
  readonly #counters = new Map<string, number>();
  readonly #skips = new Map<string, number>();
  readonly #dropped = new Map<string, number>();
  #dropFraction: number;
  #pub: Publisher | undefined;
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;
  #endpoint: string | undefined;
  #closed = false;

  constructor(opts: ZmqNotifierOptions) {
    this.#opts = opts;
    this.#dropFraction = checkedFraction(opts.dropFraction ?? 0);
    if (this.#dropFraction > 0 && opts.random === undefined) throw new RangeError('a dropFraction above 0 needs a random source');
  }

  /** Binds once; resolves to the concrete endpoint (ephemeral port resolved). */
  async bind(): Promise<string> {
    if (this.#endpoint !== undefined) return this.#endpoint;
    if (this.#closed) throw new ChainfanError('CHAINFAN_BUS_CLOSED', 'ZMQ notifier is closed');
    // loaded here, not at import: reading the simulator (topics, options, the in-process node) needs no socket addon
    const { Publisher } = await import('zeromq');
    const pub = new Publisher({ sendHighWaterMark: this.#opts.sendHighWaterMark, linger: 0 });
    this.#pub = pub;
    const deadline = Date.now() + REBIND_DEADLINE_MS;
    for (;;) {
      try {
        await pub.bind(this.#opts.endpoint);
        break;
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'EADDRINUSE' || Date.now() > deadline) throw err;
        await delay(25);
      }
    }
    this.#endpoint = pub.lastEndpoint ?? this.#opts.endpoint;
    return this.#endpoint;
  }

  get endpoint(): string | undefined {
    return this.#endpoint;
  }

  isEnabled(topic: ZmqTopic): boolean {
    return this.#opts.topics.includes(topic);
  }

  /** Next counter value per node topic (= messages sent so far, mod 2^32); probes are not listed. */
  counters(): Readonly<Record<string, number>> {
    return Object.fromEntries([...this.#counters].filter(([topic]) => topic !== ZMQ_PROBE_TOPIC));
  }

  /**
   * Fault injection: the next `count` messages of `topic` are counted but not sent, which is what a subscriber sees
   * when the node's send queue overflowed (a gap in the counter).
   */
  skip(topic: ZmqTopic, count: number): void {
    this.#skips.set(topic, (this.#skips.get(topic) ?? 0) + count);
  }

  /** Node messages counted but not sent (skips and random drops) per topic since this notifier was created. */
  dropped(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#dropped);
  }

  /**
   * Fault injection: from the next send on, each node message (not probes) is dropped with probability `f` in [0, 1],
   * after its counter value is taken, as libzmq does past the high-water mark. RangeError outside [0, 1].
   */
  setDropFraction(f: number): void {
    const checked = checkedFraction(f);
    if (checked > 0 && this.#opts.random === undefined) throw new RangeError('a dropFraction above 0 needs a random source');
    this.#dropFraction = checked;
  }

  /**
   * Queues one notification behind every earlier one and resolves once libzmq has taken it. A disabled topic
   * resolves at once without counting. Rejects (and sends nothing) when the queue is full or the notifier is closed.
   */
  publish(topic: ZmqTopic, body: Uint8Array): Promise<void> {
    if (!this.isEnabled(topic)) return Promise.resolve();
    return this.#enqueue(topic, body);
  }

  /** Sends `chainfan-probe` (a topic no node uses, not counted against node topics) so a test can detect a live subscription. */
  probe(): Promise<void> {
    return this.#enqueue(ZMQ_PROBE_TOPIC, new Uint8Array(0));
  }

  #enqueue(topic: string, body: Uint8Array): Promise<void> {
    const pub = this.#pub;
    if (this.#closed) return Promise.reject(new ChainfanError('CHAINFAN_BUS_CLOSED', 'ZMQ notifier is closed'));
    if (pub === undefined || this.#endpoint === undefined) return Promise.reject(new ChainfanError('CHAINFAN_BUS_CLOSED', 'ZMQ notifier is not bound'));
    if (this.#queued >= this.#opts.maxQueuedSends) {
      return Promise.reject(new ChainfanError('CHAINFAN_LIMIT_EXCEEDED', `ZMQ send queue full (${this.#opts.maxQueuedSends} pending)`));
    }
    this.#queued++;
    const run = async (): Promise<void> => {
      try {
        const stalled = this.#opts.stall?.passed();
        if (stalled !== undefined) await stalled;
        const seq = this.#counters.get(topic) ?? 0;
        const skip = this.#skips.get(topic) ?? 0;
        if (skip > 0) {
          this.#skips.set(topic, skip - 1);
          this.#countDrop(topic);
        } else if (this.#drawsDrop(topic)) this.#countDrop(topic);
        else await pub.send(encodeZmqFrames(topic, body, seq));
        // The node bumps its counter only after a successful send, so a failed send leaves no gap.
        this.#counters.set(topic, (seq + 1) >>> 0);
      } finally {
        this.#queued--;
      }
    };
    const sent = this.#tail.then(run);
    this.#tail = sent.catch(() => undefined); // the failure reaches the caller through `sent`; the queue itself keeps going
    return sent;
  }

  #drawsDrop(topic: string): boolean {
    if (this.#dropFraction === 0 || topic === ZMQ_PROBE_TOPIC) return false;
    return (this.#opts.random as Random)() < this.#dropFraction;
  }

  #countDrop(topic: string): void {
    this.#dropped.set(topic, (this.#dropped.get(topic) ?? 0) + 1);
  }

  /** Idempotent. Waits for queued sends (a held stall gate must be released first), then closes the socket without lingering. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    this.#pub?.close();
  }
}

function checkedFraction(f: number): number {
  if (!(f >= 0 && f <= 1)) throw new RangeError(`drop fraction must be in [0, 1], got ${f}`);
  return f;
}
