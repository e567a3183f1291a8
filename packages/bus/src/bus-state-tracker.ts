// A bus's connection state as others see it: the current BusState, its listeners and the callers of ready()
// waiting for 'up'. Deciding the state from the connections stays with the bus.
import { ChainfanError, type Clock, systemClock } from '@chainfan/protocol';
import type { BusState } from './bus.js';

interface UpWaiter {
  resolve(): void;
  reject(err: Error): void;
}

export class BusStateTracker {
  #state: BusState = 'connecting';
  readonly #upWaiters = new Set<UpWaiter>();
  readonly #listeners = new Set<(state: BusState) => void>();
  readonly #clock: Pick<Clock, 'setTimeout'>;

  /** `clock` times the waits of whenUp (the system clock unless given). */
  constructor(clock: Pick<Clock, 'setTimeout'> = systemClock) {
    this.#clock = clock;
  }

  get state(): BusState {
    return this.#state;
  }

  /** Resolves when the state is 'up'; rejects with CHAINFAN_TIMEOUT after timeoutMs. */
  whenUp(timeoutMs: number): Promise<void> {
    if (this.#state === 'up') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: UpWaiter = {
        resolve: () => {
          cancel();
          resolve();
        },
        reject: (err) => {
          cancel();
          reject(err);
        },
      };
      const cancel = this.#clock.setTimeout(() => {
        this.#upWaiters.delete(waiter);
        reject(new ChainfanError('CHAINFAN_TIMEOUT', `bus not up after ${timeoutMs} ms (state ${this.#state})`));
      }, timeoutMs);
      this.#upWaiters.add(waiter);
    });
  }

  /** Adds a listener; returns its remover. */
  onChange(handler: (state: BusState) => void): () => void {
    this.#listeners.add(handler);
    return () => this.#listeners.delete(handler);
  }

  /** Notifies the listeners, then (on 'up') releases the waiters. */
  set(next: BusState): void {
    this.#state = next;
    for (const l of this.#listeners) l(next);
    if (next === 'up') {
      for (const w of this.#upWaiters) w.resolve();
      this.#upWaiters.clear();
    }
  }

  /** On close: every waiter fails with `err`. */
  rejectWaiters(err: Error): void {
    for (const w of this.#upWaiters) w.reject(err);
    this.#upWaiters.clear();
  }
}
