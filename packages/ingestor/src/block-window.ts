// The recently published part of the chain: enough to find a fork point, emit confirmation events and say which
// transactions a disconnected block held. Bounded; the oldest blocks fall out.
export interface PublishedBlock {
  readonly height: number;
  readonly hash: string;
  readonly txids: readonly string[];
}

/** What survives a restart (stored with the block publish): the tip and recent hashes, without txids. */
export interface Checkpoint {
  readonly height: number;
  readonly hash: string;
  /** [height, hash] pairs, ascending, ending at the tip */
  readonly recent: readonly (readonly [number, string])[];
}

export class BlockWindow {
  readonly #cap: number;
  #blocks: PublishedBlock[] = [];

  constructor(capacity: number) {
    this.#cap = capacity;
  }

  get tip(): PublishedBlock | undefined {
    return this.#blocks.at(-1);
  }

  get oldestHeight(): number | undefined {
    return this.#blocks[0]?.height;
  }

  at(height: number): PublishedBlock | undefined {
    const first = this.#blocks[0];
    if (first === undefined) return undefined;
    return this.#blocks[height - first.height];
  }

  /** Appends the next block; the caller guarantees height = tip + 1 (or the window is empty). */
  push(b: PublishedBlock): void {
    const tip = this.tip;
    if (tip !== undefined && b.height !== tip.height + 1) throw new Error(`block window: ${b.height} does not follow ${tip.height}`);
    this.#blocks.push(b);
    if (this.#blocks.length > this.#cap) this.#blocks.splice(0, this.#blocks.length - this.#cap);
  }

  /** Removes and returns the blocks above `height`, tip first. */
  disconnectAbove(height: number): PublishedBlock[] {
    const out: PublishedBlock[] = [];
    while (this.tip !== undefined && this.tip.height > height) out.push(this.#blocks.pop()!);
    return out;
  }

  checkpoint(keep = 100): Checkpoint | undefined {
    const tip = this.tip;
    if (tip === undefined) return undefined;
    return { height: tip.height, hash: tip.hash, recent: this.#blocks.slice(-keep).map((b) => [b.height, b.hash] as const) };
  }

  /** Rebuilds from a stored checkpoint (txids unknown: disconnected blocks from before a restart report none). */
  static fromCheckpoint(c: Checkpoint, capacity: number): BlockWindow {
    const w = new BlockWindow(capacity);
    for (const [height, hash] of c.recent) w.push({ height, hash, txids: [] });
    if (w.tip?.hash !== c.hash) w.push({ height: c.height, hash: c.hash, txids: [] });
    return w;
  }
}

/** Total: a stored checkpoint string back into a Checkpoint, or undefined when it is not one. */
export function parseCheckpoint(raw: string | undefined): Checkpoint | undefined {
  if (raw === undefined) return undefined;
  try {
    const c = JSON.parse(raw) as Partial<Checkpoint>;
    if (typeof c.height !== 'number' || typeof c.hash !== 'string' || !Array.isArray(c.recent)) return undefined;
    const recent = c.recent.filter((r): r is [number, string] => Array.isArray(r) && typeof r[0] === 'number' && typeof r[1] === 'string');
    for (let i = 1; i < recent.length; i++) if (recent[i]![0] !== recent[i - 1]![0] + 1) return undefined;
    return { height: c.height, hash: c.hash, recent };
  } catch {
    return undefined; // a corrupt checkpoint means a full resync from the node's tip, reported by the caller
  }
}
