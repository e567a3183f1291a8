// Minimal typed event emitter that works in browsers and Node (no node:events in the browser bundle).

export type Listener = (...args: never[]) => void;

export class Emitter<Events extends { [K in keyof Events]: Listener }> {
  readonly #listeners = new Map<keyof Events, Set<Listener>>();

  /** Returns a function that removes the listener. */
  on<E extends keyof Events>(event: E, fn: Events[E]): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => this.off(event, fn);
  }

  off<E extends keyof Events>(event: E, fn: Events[E]): void {
    this.#listeners.get(event)?.delete(fn);
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /**
   * A listener that throws must not leave the emitter's owner half-updated, so the exception is rethrown from a
   * microtask: it still surfaces as an uncaught error (a bug in the listener) but after the owner's state is settled.
   */
  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const fn of [...set]) {
      try {
        (fn as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
