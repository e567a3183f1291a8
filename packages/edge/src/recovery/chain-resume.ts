// Chain-anchored resume: turns "after block (height, hash)" into a position on the `blocks` channel, sending first
// what the channel cannot supply — a reorg event when the client's block left the active chain, and blocks re-read
// from the node when history no longer holds them (older than history, or another epoch). The handover to the
// stream is by identity: the last block sent is looked up in the channel by hash, and the ordinary recovery
// continues after it (docs/positions-and-recovery.md).
import type { Bus } from '@chainfan/bus';
import type { BlockPosition, Dialect, ResyncReason, StreamPosition } from '@chainfan/protocol';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import type { Clock } from '../clock.js';
import type { ChannelFeed } from '../feed/channel-feed.js';
import type { ChainReader } from '../rpc/node-chain.js';
import { blockIdOf } from './block-id.js';
import { waitForAdvance } from '../feed/wait-for-advance.js';

export interface ChainResumeTarget {
  readonly dialect: Dialect;
  /** the topic as the client spelled it (notices echo it) */
  readonly raw: string;
  readonly isOpen: boolean;
  send(frame: Buffer | string, isEvent: boolean): boolean;
  corked<T>(fn: () => T): T;
  whenWritable(): Promise<void>;
}

export interface ChainResumeDeps {
  readonly bus: Pick<Bus, 'history'>;
  /** the `blocks` channel's feed (held by the subscription) */
  readonly feed: ChannelFeed;
  /** undefined: no node RPC configured; only history can serve */
  readonly chain: ChainReader | undefined;
  /** most blocks re-read from the node (and reorg depth walked) for one resume; past it a `too_far_behind` notice */
  readonly maxBlocks: number;
  readonly pageSize: number;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
}

export type ChainResumeOutcome = 'history' | 'node' | 'reorg' | 'resync';

/** `position`: where the ordinary recovery of the `blocks` channel continues; `have`: hashes of blocks the client holds (never sent again). */
export type ChainResumeResult =
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'done'; readonly outcome: ChainResumeOutcome; readonly position: StreamPosition; readonly have: ReadonlySet<string> };

/** Longest single wait for the feed before looking again. */
const WAIT_SLICE_MS = 1_000;
/** Block hashes asked for at once, and block bodies asked for ahead of the one being sent. */
const READ_AHEAD = 8;
/** Blocks read before an estimated start when looking a block up in history (reorgs make the estimate inexact). */
const LOOKUP_MARGIN = 32;

type Found = { readonly found: StreamPosition } | { readonly found: undefined };

export class ChainResume {
  readonly #t: ChainResumeTarget;
  readonly #d: ChainResumeDeps;
  /** hashes of blocks the client has: those sent here, and those a reorg event told it are gone */
  readonly #have = new Set<string>();
  #cancelled = false;
  #reorged = false;
  #fromNode = false;

  constructor(target: ChainResumeTarget, deps: ChainResumeDeps) {
    this.#t = target;
    this.#d = deps;
  }

  cancel(): void {
    this.#cancelled = true;
  }

  async run(anchor: BlockPosition): Promise<ChainResumeResult> {
    const r = await this.#run(anchor);
    if (r.kind === 'done') this.#d.metrics.chainResumes.inc({ outcome: r.outcome });
    return r;
  }

  get #gone(): boolean {
    return this.#cancelled || !this.#t.isOpen;
  }

  async #run(anchor: BlockPosition): Promise<ChainResumeResult> {
    const deadline = this.#d.clock.now() + this.#d.timeoutMs;
    if (!(await this.#feedLive(deadline))) return this.#gone ? { kind: 'cancelled' } : this.#resync('history_unavailable');
    let a: BlockPosition = anchor;
    let budget = this.#d.maxBlocks;
    for (;;) {
      if (this.#gone) return { kind: 'cancelled' };
      if (this.#d.clock.now() >= deadline) return this.#resync(this.#d.chain === undefined ? 'history_unavailable' : 'node_unavailable');
      let onMain: boolean | undefined;
      try {
        onMain = this.#d.chain === undefined ? undefined : (await this.#d.chain.blockHash(a.height)) === a.hash;
      } catch (err) {
        this.#d.log.debug({ event: 'chain_resume.node_failed', err }, 'node unreachable; history only');
      }
      if (onMain !== false) {
        const f = await this.#find(a);
        if (this.#gone) return { kind: 'cancelled' };
        if (f.found !== undefined) return this.#done(f.found);
        // the node cannot say what came after the client's block: the notice, then everything the stream still has
        if (this.#d.chain === undefined) return this.#resync('block_unknown', await this.#streamStart());
        if (onMain === undefined) return this.#resync('node_unavailable', await this.#streamStart());
      } else {
        // the client's block (or the last one sent) left the active chain: the reorg event first
        let fork;
        try {
          fork = await this.#forkPoint(a, budget);
        } catch (err) {
          this.#d.log.debug({ event: 'chain_resume.node_failed', err }, 'node unreachable while finding the fork');
          return this.#resync('node_unavailable');
        }
        if (this.#gone) return { kind: 'cancelled' };
        if (fork === 'unknown') return this.#resync('block_unknown');
        if (fork === 'too_deep') return this.#resync('too_far_behind');
        budget -= fork.disconnected.length;
        if (fork.disconnected.length > 0) {
          this.#reorged = true;
          // the client holds the disconnected blocks: the stream's copies of them are never sent again
          for (const h of fork.disconnected) this.#have.add(h);
          let read;
          try {
            read = await this.#readFromNode({ height: fork.height, hash: fork.hash }, budget, fork.disconnected);
          } catch (err) {
            this.#d.log.debug({ event: 'chain_resume.node_failed', err }, 'node unreachable while re-reading blocks');
            return this.#resync('node_unavailable');
          }
          if (typeof read === 'string') return read === 'cancelled' ? { kind: 'cancelled' } : this.#resync(read);
          budget -= read.count;
          a = read.last;
          continue;
        }
        a = { height: fork.height, hash: fork.hash }; // the client named a main-chain block at another height
        continue;
      }
      // not in this epoch's stream: the node supplies the blocks after it
      let read;
      try {
        read = await this.#readFromNode(a, budget, undefined);
      } catch (err) {
        this.#d.log.debug({ event: 'chain_resume.node_failed', err }, 'node unreachable while re-reading blocks');
        return this.#resync('node_unavailable');
      }
      if (typeof read === 'string') return read === 'cancelled' ? { kind: 'cancelled' } : this.#resync(read);
      budget -= read.count;
      if (read.count === 0) {
        // the stream has not reached the node's tip yet (the ingestor is behind): wait for it, then look again
        await this.#waitForFeed(deadline);
      }
      a = read.last;
    }
  }

  #done(position: StreamPosition): ChainResumeResult {
    const outcome: ChainResumeOutcome = this.#reorged ? 'reorg' : this.#fromNode ? 'node' : 'history';
    return { kind: 'done', outcome, position, have: this.#have };
  }

  /** An explicit notice: blocks after the client's may be missing; the channel continues live from here. */
  #resync(reason: ResyncReason, from?: StreamPosition): ChainResumeResult {
    const position = from ?? this.#d.feed.position;
    this.#d.metrics.resyncs.inc({ reason });
    const n = this.#t.dialect.encodeResync({ topic: this.#t.raw, channel: 'blocks', reason, subscribed: true, position });
    if (n !== undefined) this.#t.send(n, false);
    return { kind: 'done', outcome: 'resync', position, have: this.#have };
  }

  /**
   * Just before the oldest block the stream's history still holds (where the live position stands when it holds none,
   * or cannot be read): a client whose block is unknown here gets those blocks after the notice rather than only what
   * comes next — after Redis came back empty, they are the blocks the new epoch backfilled.
   */
  async #streamStart(): Promise<StreamPosition> {
    try {
      const r = await this.#d.bus.history('blocks', 0, 1);
      const first = r.messages[0];
      if (r.epoch !== undefined && first !== undefined && first.epoch === r.epoch) return { epoch: r.epoch, seq: first.seq - 1 };
    } catch (err) {
      this.#d.log.debug({ event: 'chain_resume.history_failed', err }, 'history unreadable; continuing from the live position');
    }
    return this.#d.feed.position;
  }

  /**
   * Walks back from `a` over the node's headers until a block of the active chain: the fork point, and the
   * disconnected blocks tip first (the ingestor's reorg event spells them so).
   */
  async #forkPoint(a: BlockPosition, budget: number): Promise<{ height: number; hash: string; disconnected: string[] } | 'unknown' | 'too_deep'> {
    const chain = this.#d.chain!;
    const disconnected: string[] = [];
    let hash = a.hash;
    for (let i = 0; i <= budget; i++) {
      const h = await chain.header(hash);
      if (h === undefined) return 'unknown';
      if ((await chain.blockHash(h.height)) === hash) return { height: h.height, hash, disconnected };
      disconnected.push(hash);
      if (h.previousblockhash === undefined) return 'unknown';
      hash = h.previousblockhash;
    }
    return 'too_deep';
  }

  /**
   * Sends the active chain's blocks after `from` up to the node's tip (a pending reorg event first, naming them),
   * each checked to extend the one before; a chain that moved meanwhile ends the pass early (the caller looks again).
   */
  async #readFromNode(
    from: BlockPosition,
    budget: number,
    disconnected: readonly string[] | undefined,
  ): Promise<{ count: number; last: BlockPosition } | 'cancelled' | 'too_far_behind' | 'block_unknown'> {
    const chain = this.#d.chain!;
    const tip = await chain.tipHeight();
    if (tip - from.height > budget) return 'too_far_behind';
    const hashes: string[] = [];
    for (let h = from.height + 1; h <= tip; h += READ_AHEAD) {
      const page = await Promise.all(Array.from({ length: Math.min(READ_AHEAD, tip - h + 1) }, (_, i) => chain.blockHash(h + i)));
      const end = page.indexOf(undefined);
      hashes.push(...(page.slice(0, end < 0 ? page.length : end) as string[]));
      if (end >= 0 || this.#gone) break; // the tip went down meanwhile
    }
    if (this.#gone) return 'cancelled';
    if (disconnected !== undefined) {
      // the ingestor's reorg event, for this client: the fork, what it lost (tip first), what replaces it
      const body = JSON.stringify({ fork_height: from.height, fork_hash: from.hash, depth: disconnected.length, disconnected, connected: hashes });
      const f = this.#t.dialect.encodeNodeEvent?.('reorg', body);
      if (f !== undefined && !this.#t.send(f, true)) return 'cancelled';
    }
    let last = from;
    let count = 0;
    // bodies are asked for a few blocks ahead of the one being sent (NodeChain bounds what reaches the node at once)
    const bodies = new Map<number, Promise<string | undefined>>();
    const bodyAt = (i: number): Promise<string | undefined> => {
      for (let j = i; j < Math.min(hashes.length, i + READ_AHEAD); j++) {
        if (!bodies.has(j)) bodies.set(j, chain.block(hashes[j]!).catch(() => undefined));
      }
      const p = bodies.get(i)!;
      bodies.delete(i);
      return p;
    };
    for (const [i, hash] of hashes.entries()) {
      const body = await bodyAt(i);
      if (this.#gone) return 'cancelled';
      if (body === undefined) break; // reorged away between the two reads: the next pass sees the new chain
      const parent = /"previousblockhash":"([0-9a-f]{64})"/.exec(body)?.[1];
      if (parent !== last.hash) break; // the chain moved under us
      const f = this.#t.dialect.encodeNodeEvent?.('block', body);
      if (f === undefined) return 'block_unknown'; // a dialect without node events cannot resume from a block
      if (!this.#t.send(f, true)) return 'cancelled';
      this.#have.add(hash);
      this.#fromNode = true;
      count++;
      last = { height: last.height + 1, hash };
      if (count % 16 === 0) await this.#t.whenWritable();
    }
    return { count, last };
  }

  /** Where block `a` sits in this epoch's `blocks` stream (the ring, then history), if it is there. */
  async #find(a: BlockPosition): Promise<Found> {
    const feed = this.#d.feed;
    const ring = feed.ring;
    let newest: { seq: number; height: number } | undefined;
    for (let seq = ring.lastSeq; seq > ring.lastSeq - ring.size; seq--) {
      const e = ring.at(ring.epoch, seq);
      if (e === undefined) break;
      const id = blockIdOf(e.env.body);
      if (id === undefined) continue;
      newest ??= { seq, height: id.height };
      if (id.hash === a.hash) return { found: { epoch: ring.epoch, seq } };
    }
    const epoch = feed.position.epoch;
    if (epoch === '') return { found: undefined };
    // estimate where the block sits (one message per block, give or take reorgs), read from there, then from the start
    const est = newest === undefined ? 0 : Math.max(0, newest.seq - (newest.height - a.height) - LOOKUP_MARGIN);
    const at = await this.#scanHistory(epoch, est, Number.POSITIVE_INFINITY, a);
    if (at !== undefined || est === 0) return { found: at };
    return { found: await this.#scanHistory(epoch, 0, est + LOOKUP_MARGIN, a) };
  }

  /** Block `a` in history after seq `from` (and not past seq `until`), reading page by page. */
  async #scanHistory(epoch: string, from: number, until: number, a: BlockPosition): Promise<StreamPosition | undefined> {
    let cur = from;
    for (;;) {
      if (this.#gone) return undefined;
      let r;
      try {
        r = await this.#d.bus.history('blocks', cur, this.#d.pageSize);
      } catch (err) {
        this.#d.log.debug({ event: 'chain_resume.history_failed', err }, 'history read failed');
        return undefined;
      }
      if (r.epoch !== epoch || r.messages.length === 0) return undefined;
      for (const m of r.messages) {
        const id = blockIdOf(m.body);
        if (id?.hash === a.hash) return { epoch, seq: m.seq };
        if (id !== undefined && id.height > a.height + LOOKUP_MARGIN) return undefined; // well past it
        cur = m.seq;
        if (cur >= until) return undefined;
      }
    }
  }

  /** Until the feed is live (it starts when the subscription acquired the channel). */
  async #feedLive(deadline: number): Promise<boolean> {
    while (this.#d.feed.state !== 'live') {
      if (this.#gone || this.#d.clock.now() >= deadline) return false;
      await this.#waitForFeed(deadline);
    }
    return true;
  }

  #waitForFeed(deadline: number): Promise<void> {
    return waitForAdvance(this.#d.feed, this.#d.clock, deadline, WAIT_SLICE_MS);
  }
}
