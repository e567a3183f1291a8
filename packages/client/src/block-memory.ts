// The last block the client delivered (height, hash) and the hashes of recent ones: what a chain-anchored resume
// continues after when a bus position cannot be resumed (the channel's epoch changed, history was trimmed), and how
// a block that reaches the client twice (from the node, then from the stream) is recognised by identity.

export interface BlockRef {
  readonly height: number;
  readonly hash: string;
}

/** Hashes remembered for de-duplication; a resume never re-sends more than the edge's bound, far below this. */
const MAX_RECENT = 4_096;

/** Resync reasons after which the `blocks` channel can still be resumed from the last block, losing nothing. */
const REPAIRABLE: ReadonlySet<string> = new Set(['epoch_changed', 'history_trimmed', 'history_unavailable']);

export class BlockMemory {
  #last: BlockRef | undefined;
  readonly #recent = new Set<string>();

  /** The last block delivered (or the one a subscribe started after); undefined before any. */
  get last(): BlockRef | undefined {
    return this.#last;
  }

  /** A subscribe from a block: blocks up to it are the caller's already. */
  anchor(b: BlockRef): void {
    this.#last = b;
    this.#remember(b.hash);
  }

  /** Judges one block message: true to deliver it, false when this very block (by hash) was delivered already. */
  accept(hash: string, height: number): boolean {
    if (this.#recent.has(hash)) return false;
    this.#remember(hash);
    this.#last = { height, hash };
    return true;
  }

  /** A reorg event: the disconnected blocks are no longer the client's (a later re-connect delivers them again). */
  reorg(data: unknown): void {
    const d = data as { disconnected?: unknown; fork_height?: unknown; fork_hash?: unknown } | null;
    if (d === null || typeof d !== 'object' || !Array.isArray(d.disconnected)) return;
    for (const h of d.disconnected) if (typeof h === 'string') this.#recent.delete(h);
    if (this.#last !== undefined && d.disconnected.includes(this.#last.hash) && typeof d.fork_height === 'number' && typeof d.fork_hash === 'string') {
      this.#last = { height: d.fork_height, hash: d.fork_hash };
    }
  }

  #remember(hash: string): void {
    this.#recent.add(hash);
    if (this.#recent.size > MAX_RECENT) this.#recent.delete(this.#recent.values().next().value as string);
  }
}

/** Whether a "not recovered" notice on `channel` is repaired by resuming the topic from the last block. */
export function repairableFromBlock(channel: string, reason: string, last: BlockRef | undefined): last is BlockRef {
  return channel === 'blocks' && REPAIRABLE.has(reason) && last !== undefined;
}

/** The `since` of a subscribe from a block: the `blocks` channel after it, other channels as `rest` has them. */
export function blockSince(block: BlockRef, rest: Record<string, unknown> | 'now', channels: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { blocks: { height: block.height, hash: block.hash } };
  for (const ch of channels) if (ch !== 'blocks') out[ch] = rest === 'now' ? 'now' : (rest[ch] ?? 'now');
  return out;
}
