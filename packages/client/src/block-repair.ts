// Blocks held back while a topic is taken again from the last block (a "not recovered" notice the client repairs
// itself): what the old subscription still sends is kept until the repair's outcome is known, so the application
// sees either the repaired stream in order, or the repair's own notice first and then these blocks — never a block
// ahead of the notice that says what is missing before it.
import type { ChainfanMessage } from './messages.js';

type Held = Exclude<ChainfanMessage, { type: 'subscription' | 'error' }>;

/** Most blocks held for one repair; past it they are delivered as they come (late order, nothing lost). */
const MAX_HELD = 10_000;

export class BlockRepair {
  /** topic key → phase and the blocks held: 'old' until the unsubscribe's ack, 'new' until the resubscribe's */
  readonly #repairs = new Map<string, { phase: 'old' | 'new'; held: Held[] }>();

  /** The notice of `key` is being repaired: hold the `blocks` channel's blocks until its outcome. */
  start(key: string): void {
    const r = this.#repairs.get(key);
    if (r === undefined) this.#repairs.set(key, { phase: 'old', held: [] });
    else r.phase = 'old';
  }

  /** True when `msg` is held (a block on the `blocks` channel while a repair still hears the old subscription). */
  hold(msg: Held): boolean {
    if (msg.type !== 'block' || this.#repairs.size === 0) return false;
    for (const r of this.#repairs.values()) {
      if (r.phase === 'old' && r.held.length < MAX_HELD) {
        r.held.push(msg);
        return true;
      }
    }
    return false;
  }

  /** The unsubscribe of `key` was acknowledged: what follows belongs to the repairing subscribe. */
  unsubscribed(key: string): void {
    const r = this.#repairs.get(key);
    if (r !== undefined) r.phase = 'new';
  }

  /** The repair of `key` ended (its subscribe's ack, or its own notice): the held blocks, in arrival order. */
  finish(key: string): readonly Held[] {
    const r = this.#repairs.get(key);
    if (r === undefined || r.phase !== 'new') return [];
    this.#repairs.delete(key);
    return r.held;
  }

  /** The socket closed: nothing held was accepted, so the next socket's resume asks for it again. */
  clear(): void {
    this.#repairs.clear();
  }
}
