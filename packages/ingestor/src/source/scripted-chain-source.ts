// The second ChainSource: notifications the caller hands over, in the caller's order, with the caller's counters.
// Ingestor logic (gaps, lost messages, node restarts, grace periods) is tested with it in memory, no sockets.
import { type Clock, systemClock } from '@chainfan/protocol';
import type { ChainNotification, ChainSource, NotificationTopic } from './chain-source.js';

export class ScriptedChainSource implements ChainSource {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #handlers: ((n: ChainNotification) => void)[] = [];
  readonly #invalid: ((error: string) => void)[] = [];
  /** the next counter per topic, as a node numbers its messages (uint32, wrapping) */
  readonly #next = new Map<NotificationTopic, number>();
  #state: 'new' | 'started' | 'closed' = 'new';

  constructor(clock: Pick<Clock, 'now'> = systemClock) {
    this.#clock = clock;
  }

  get state(): 'new' | 'started' | 'closed' {
    return this.#state;
  }

  start(): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(new Error('ScriptedChainSource: start() after close()'));
    this.#state = 'started';
    return Promise.resolve();
  }

  onNotification(handler: (n: ChainNotification) => void): void {
    this.#handlers.push(handler);
  }

  onInvalid(handler: (error: string) => void): void {
    this.#invalid.push(handler);
  }

  close(): Promise<void> {
    this.#state = 'closed';
    return Promise.resolve();
  }

  /**
   * Delivers one notification. `sequence` defaults to the topic's next counter; pass a number to script a gap or a
   * restart (counting then continues from it), or null for a node that sends 2 frames (no counter).
   */
  emit(topic: NotificationTopic, body: Uint8Array, sequence?: number | null): void {
    if (this.#state !== 'started') throw new Error(`ScriptedChainSource: emit() while ${this.#state}`);
    let seq: number | undefined;
    if (sequence === null) seq = undefined;
    else {
      seq = sequence ?? this.#next.get(topic) ?? 0;
      this.#next.set(topic, (seq + 1) >>> 0);
    }
    const n: ChainNotification = { topic, body, sequence: seq, receivedAt: this.#clock.now() };
    for (const h of this.#handlers) h(n);
  }

  /** Skips `count` counter values of `topic`: the messages a lossy transport dropped. */
  drop(topic: NotificationTopic, count = 1): void {
    this.#next.set(topic, ((this.#next.get(topic) ?? 0) + count) >>> 0);
  }

  /** Reports a malformed frame, as the ZMQ source does for one it cannot parse. */
  invalid(error: string): void {
    for (const h of this.#invalid) h(error);
  }
}
