// ChainSource over ZeroMQ SUB sockets (the only module that imports zeromq in the ingestor).
import { Subscriber } from 'zeromq';
import { decodeZmqFrames } from '@chainfan/chain';
import type { ChainNotification, ChainSource, NotificationTopic } from './chain-source.js';

/** What the ingestor subscribes to; Evrmore publishes the first four, Bitcoin Core ≥ 0.21 also `sequence`. */
export const ZMQ_TOPICS: readonly NotificationTopic[] = ['hashblock', 'hashtx', 'rawblock', 'rawtx', 'sequence'];
const TOPICS = ZMQ_TOPICS;

export interface ZmqChainSourceOptions {
  /** one or more PUB endpoints (a node may publish each topic on its own address) */
  readonly endpoints: readonly string[];
  readonly topics?: readonly NotificationTopic[];
  /** receive high-water mark; beyond it ZMQ drops (and the sequence counter shows the gap) */
  readonly receiveHighWaterMark?: number;
  readonly now?: () => number;
}

export class ZmqChainSource implements ChainSource {
  readonly #opts: ZmqChainSourceOptions;
  readonly #subs: Subscriber[] = [];
  #handler: (n: ChainNotification) => void = () => undefined;
  #invalid: (e: string) => void = () => undefined;
  #closing: Promise<void> | undefined;
  #loops: Promise<void>[] = [];

  constructor(opts: ZmqChainSourceOptions) {
    this.#opts = opts;
  }

  onNotification(handler: (n: ChainNotification) => void): void {
    this.#handler = handler;
  }

  onInvalid(handler: (error: string) => void): void {
    this.#invalid = handler;
  }

  async start(): Promise<void> {
    const topics = this.#opts.topics ?? TOPICS;
    for (const ep of new Set(this.#opts.endpoints)) {
      const sub = new Subscriber({ receiveHighWaterMark: this.#opts.receiveHighWaterMark ?? 100_000 });
      for (const t of topics) sub.subscribe(t);
      sub.connect(ep);
      this.#subs.push(sub);
      this.#loops.push(this.#receive(sub));
    }
  }

  async #receive(sub: Subscriber): Promise<void> {
    const now = this.#opts.now ?? Date.now;
    try {
      for await (const parts of sub) {
        const d = decodeZmqFrames(parts);
        if (!d.ok) {
          this.#invalid(d.error);
          continue;
        }
        const topic = d.value.topic as NotificationTopic;
        if (!TOPICS.includes(topic)) continue; // prefix subscriptions can match longer topic names
        this.#handler({ topic, body: d.value.body, sequence: d.value.sequence, receivedAt: now() });
      }
    } catch (err) {
      if (!sub.closed) this.#invalid(`zmq receive failed: ${(err as Error).message}`);
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const s of this.#subs) s.close();
      await Promise.allSettled(this.#loops);
    })();
    return this.#closing;
  }
}
