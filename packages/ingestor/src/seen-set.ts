// A bounded set of recently published txids: `hashtx`/`rawtx` fire again when a transaction is mined, and a
// transaction must reach clients once as "new". Oldest entries fall out first.
export class SeenSet {
  readonly #cap: number;
  readonly #set = new Set<string>();

  constructor(capacity: number) {
    this.#cap = capacity;
  }

  /** true when the id was not seen before (and is now remembered) */
  add(id: string): boolean {
    if (this.#set.has(id)) return false;
    this.#set.add(id);
    if (this.#set.size > this.#cap) {
      const oldest = this.#set.values().next().value as string;
      this.#set.delete(oldest);
    }
    return true;
  }

  delete(id: string): void {
    this.#set.delete(id);
  }

  has(id: string): boolean {
    return this.#set.has(id);
  }

  get size(): number {
    return this.#set.size;
  }
}
