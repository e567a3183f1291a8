// Bounded single-consumer queue between the socket and `for await`: drop-oldest on overflow, never unbounded.

/** Why a push reported drops: the caller turns this into an 'overflow' event. */
export interface PushResult {
  /** messages evicted by this push (0 or 1) */
  readonly dropped: number;
}

export class MessageQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #waiters: ((r: IteratorResult<T, undefined>) => void)[] = [];
  #closed = false;

  /** `limit` ≥ 1 is the most messages held at once; the oldest is evicted to make room. */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`queue limit must be an integer ≥ 1, got ${limit}`);
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Hands `item` straight to a waiting consumer, else buffers it. After close() pushes are ignored. */
  push(item: T): PushResult {
    if (this.#closed) return { dropped: 0 };
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter({ done: false, value: item });
      return { dropped: 0 };
    }
    let dropped = 0;
    if (this.size >= this.limit) {
      this.#take();
      dropped = 1;
    }
    this.#items.push(item);
    return { dropped };
  }

  /** Resolves with the oldest message, or done once the queue is closed (buffered messages are discarded). */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    if (this.size > 0) return Promise.resolve({ done: false, value: this.#take() as T });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Idempotent: ends every pending and future next() with done. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#items = [];
    this.#head = 0;
    for (const w of this.#waiters.splice(0)) w({ done: true, value: undefined });
  }

  #take(): T | undefined {
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined; // let the message be collected before compaction
    // compact lazily so shifting stays O(1) amortised instead of Array#shift's O(n)
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}
