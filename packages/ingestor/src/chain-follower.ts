// Keeps the published chain equal to the node's best chain: connects new blocks in order, backfills what ZMQ lost
// (gaps, bursts that announce only the tip, restarts, outages) through batched RPC, and turns a fork into one
// reorg event followed by the new branch. Every published block carries the checkpoint, atomically.
import { type Block, type Network, decodeBlock, hexToBytes } from '@chainfan/chain';
import type { IngestorMetrics } from '@chainfan/telemetry';
import type { Logger } from 'pino';
import { BlockWindow, type Checkpoint, parseCheckpoint } from './block-window.js';
import { blockEnvelope, contextFromHeader } from './events/block-events.js';
import { depthEnvelope, reorgEnvelope, txStatusEnvelope } from './events/chain-events.js';
import type { EventPublisher } from './event-publisher.js';
import type { ChainRpc } from './rpc/rpc-client.js';

export interface ChainFollowerOptions {
  readonly rpc: ChainRpc;
  readonly network: Network;
  readonly events: EventPublisher;
  readonly metrics: IngestorMetrics;
  readonly log: Logger;
  /** status events are sent until a transaction has this many confirmations */
  readonly confirmations: number;
  /** published blocks remembered for fork detection (and the deepest reorg handled exactly) */
  readonly windowSize: number;
  /** blocks fetched per RPC batch during a backfill */
  readonly batchSize: number;
  readonly now: () => number;
  /**
   * The stored checkpoint (Coordinator.readCheckpoint: it waits for this process's unanswered publishes first). Read
   * after a block publish failed without proof that nothing ran, so a publish that did run is not sequenced twice.
   */
  readonly readCheckpoint?: () => Promise<string | undefined>;
}

export class ChainFollower {
  readonly #o: ChainFollowerOptions;
  #window: BlockWindow;
  readonly #recentTimes: number[] = [];
  /** a block publish failed and the stored checkpoint could not be read: look before publishing the next block */
  #unsure = false;

  constructor(o: ChainFollowerOptions) {
    this.#o = o;
    this.#window = new BlockWindow(o.windowSize);
  }

  get tip(): { height: number; hash: string } | undefined {
    const t = this.#window.tip;
    return t === undefined ? undefined : { height: t.height, hash: t.hash };
  }

  has(hash: string): boolean {
    const t = this.#window.tip;
    if (t === undefined) return false;
    for (let h = t.height; h >= (this.#window.oldestHeight ?? h); h--) if (this.#window.at(h)?.hash === hash) return true;
    return false;
  }

  /** Starts from a stored checkpoint (a new leader, a restarted ingestor) or from nothing. */
  restore(c: Checkpoint | undefined): void {
    this.#window = c === undefined ? new BlockWindow(this.#o.windowSize) : BlockWindow.fromCheckpoint(c, this.#o.windowSize);
  }

  /** The fast path: a raw block from ZMQ that extends the published tip costs one getblockheader. */
  async onRawBlock(block: Block, receivedAt: number): Promise<void> {
    const tip = this.#window.tip;
    if (tip !== undefined && block.header.prevHash === tip.hash) {
      const ctx = contextFromHeader(await this.#o.rpc.call('getblockheader', [block.header.hash, true]));
      if (ctx === undefined) throw new Error(`getblockheader ${block.header.hash}: unexpected reply`);
      await this.#connect(block, ctx, receivedAt);
      return;
    }
    if (this.has(block.header.hash)) return; // announced again (e.g. after a node restart)
    await this.sync('rawblock-off-tip');
  }

  /**
   * Brings the published chain to the node's tip. Without any published block it adopts the node's tip as the
   * starting point (history before it is not replayed). Returns the number of blocks connected.
   */
  async sync(reason: string): Promise<number> {
    const { rpc, log, metrics } = this.#o;
    const best = await rpc.call<number>('getblockcount');
    const tip = this.#window.tip;
    if (tip === undefined) {
      const hash = await rpc.call<string>('getblockhash', [best]);
      await this.#connectRange(best, best, hash, reason);
      return 1;
    }
    // Fork point: the highest published height whose hash the node still has at that height.
    const low = this.#window.oldestHeight!;
    const top = Math.min(tip.height, best);
    let fork = low - 1;
    if (top >= low) {
      const heights = range(low, top);
      const hashes = (await rpc.batch(heights.map((h) => ({ method: 'getblockhash', params: [h] })))) as string[];
      for (let i = heights.length - 1; i >= 0; i--) {
        if (hashes[i] === this.#window.at(heights[i]!)?.hash) {
          fork = heights[i]!;
          break;
        }
      }
    }
    // Below the window: walk the old branch back over RPC (the node keeps the headers of blocks it disconnected)
    let below: { fork: number; forkHash: string; hashes: string[] } | undefined;
    if (fork === low - 1) {
      below = await this.#forkBelow(this.#window.at(low)!);
      fork = below.fork;
      log.error({ event: 'follower.deep_reorg', low, tip: tip.height, fork, below: below.hashes.length }, 'fork below the remembered window: found over RPC');
    }
    if (fork === tip.height && best === tip.height) return 0;
    const disconnected = fork < tip.height ? [...this.#window.disconnectAbove(fork), ...(below?.hashes ?? []).map((hash) => ({ hash, txids: [] as string[] }))] : [];
    let connectedHashes: string[] | undefined;
    if (disconnected.length > 0) {
      connectedHashes = best > fork ? await this.#hashes(fork + 1, best) : [];
      metrics.reorgs.inc();
      const forkHash = below?.forkHash ?? this.#window.tip?.hash ?? (await rpc.call<string>('getblockhash', [fork]));
      log.warn({ event: 'follower.reorg', forkHeight: fork, depth: disconnected.length, connected: connectedHashes.length, reason }, 'chain reorganisation');
      await this.#o.events.publishAwaited(reorgEnvelope({ forkHeight: fork, forkHash, disconnected: disconnected.map((b) => b.hash), connected: connectedHashes }, this.#o.now()));
    }
    const connected = best > fork ? await this.#connectRange(fork + 1, best, connectedHashes, reason) : 0;
    if (disconnected.length > 0) await this.#returnToMempool(disconnected.flatMap((b) => b.txids));
    return connected;
  }

  /**
   * The fork point of a reorg deeper than the window: from the oldest remembered block, parent by parent, until a
   * parent is the node's block at its height. Every block passed on the way was disconnected (newest first). A
   * chain with nothing in common with ours (another network, a wiped node) gives fork -1.
   */
  async #forkBelow(oldest: { height: number; hash: string }): Promise<{ fork: number; forkHash: string; hashes: string[] }> {
    const hashes: string[] = [];
    let { height, hash } = oldest;
    while (height > 0 && hashes.length < MAX_FORK_WALK) {
      const ctx = contextFromHeader(await this.#o.rpc.call('getblockheader', [hash, true]));
      const parent = ctx?.previousblockhash;
      if (parent === undefined) throw new Error(`getblockheader ${hash}: no parent in the reply`);
      const active = await this.#o.rpc.call<string>('getblockhash', [height - 1]);
      if (active === parent) return { fork: height - 1, forkHash: parent, hashes };
      hashes.push(parent);
      height--;
      hash = parent;
    }
    if (height > 0) throw new Error(`fork point more than ${MAX_FORK_WALK} blocks below the window`);
    return { fork: -1, forkHash: '', hashes };
  }

  /** Fetches and connects heights [from, to] in order, `batchSize` blocks per RPC batch, one batch ahead. */
  async #connectRange(from: number, to: number, knownHashes: readonly string[] | string | undefined, reason: string): Promise<number> {
    const n = to - from + 1;
    if (n > 1) this.#o.log.info({ event: 'follower.backfill', from, to, reason }, `backfilling ${n} blocks`);
    this.#o.metrics.backfilledBlocks.inc(n > 1 ? n : 0);
    const hashes = typeof knownHashes === 'string' ? [knownHashes] : (knownHashes ?? (await this.#hashes(from, to)));
    const fetchBatch = (i: number) => this.#fetchBlocks(hashes.slice(i, i + this.#o.batchSize));
    let next = fetchBatch(0);
    for (let i = 0; i < hashes.length; i += this.#o.batchSize) {
      const batch = await next;
      if (i + this.#o.batchSize < hashes.length) next = fetchBatch(i + this.#o.batchSize);
      for (const { block, ctx } of batch) await this.#connect(block, ctx, this.#o.now());
    }
    return n;
  }

  async #hashes(from: number, to: number): Promise<string[]> {
    const out: string[] = [];
    for (let h = from; h <= to; h += 2_000) {
      const heights = range(h, Math.min(to, h + 1_999));
      out.push(...((await this.#o.rpc.batch(heights.map((x) => ({ method: 'getblockhash', params: [x] })))) as string[]));
    }
    return out;
  }

  async #fetchBlocks(hashes: readonly string[]): Promise<{ block: Block; ctx: NonNullable<ReturnType<typeof contextFromHeader>> }[]> {
    const replies = await this.#o.rpc.batch(hashes.flatMap((h) => [{ method: 'getblock', params: [h, 0] }, { method: 'getblockheader', params: [h, true] }]));
    return hashes.map((h, i) => {
      const d = decodeBlock(hexToBytes(replies[2 * i] as string), this.#o.network);
      const ctx = contextFromHeader(replies[2 * i + 1]);
      if (!d.ok) throw new Error(`getblock ${h}: undecodable block (${d.error})`);
      if (ctx === undefined || d.value.header.hash !== h) throw new Error(`getblock ${h}: block does not match its hash`);
      return { block: d.value, ctx };
    });
  }

  async #connect(block: Block, ctx: NonNullable<ReturnType<typeof contextFromHeader>>, receivedAt: number): Promise<void> {
    const { events, network } = this.#o;
    for (const tx of block.txs) events.publishTx(tx, receivedAt);
    const txids = block.txs.map((t) => t.txid);
    const at = { height: ctx.height, hash: block.header.hash };
    this.#window.push({ ...at, txids });
    try {
      // after an unresolved failure, a block the stored checkpoint already ends at was published: not again
      if (!(this.#unsure && (await this.#storedTipIs(at)))) {
        await events.publishAwaited(blockEnvelope(block, network, ctx, receivedAt), { checkpoint: JSON.stringify(this.#window.checkpoint()) });
      }
      this.#unsure = false;
    } catch (err) {
      if (!(await this.#ranAnyway(err, at))) {
        this.#window.disconnectAbove(ctx.height - 1); // not published: the next sync tries this block again
        throw err;
      }
    }
    this.#o.metrics.tipHeight.set(ctx.height);
    this.#recentTimes.push(block.header.time);
    if (this.#recentTimes.length > 11) this.#recentTimes.shift();
    this.#publishDepths(receivedAt);
  }

  /**
   * Whether a failed block publish ran all the same (its answer was lost in a failover or a timeout): the checkpoint
   * it carried is then the stored one. A fencing refusal sequenced nothing. When the checkpoint cannot be read either,
   * the next block publish looks first (#unsure).
   */
  async #ranAnyway(err: unknown, at: { height: number; hash: string }): Promise<boolean> {
    if ((err as { code?: string }).code === 'CHAINFAN_PUBLISH_FENCED' || this.#o.readCheckpoint === undefined) return false;
    try {
      const ran = await this.#storedTipIs(at);
      this.#unsure = false;
      if (ran) this.#o.log.warn({ event: 'follower.publish_ran', height: at.height, hash: at.hash }, 'block publish failed but had run: not repeated');
      return ran;
    } catch {
      this.#unsure = true;
      return false;
    }
  }

  async #storedTipIs(at: { height: number; hash: string }): Promise<boolean> {
    const stored = parseCheckpoint(await this.#o.readCheckpoint!());
    return stored !== undefined && stored.height === at.height && stored.hash === at.hash;
  }

  #publishDepths(ts: number): void {
    const tip = this.#window.tip!;
    const blocks: { height: number; hash: string }[] = [];
    for (let k = 1; k <= this.#o.confirmations; k++) {
      const b = this.#window.at(tip.height - k + 1);
      if (b === undefined) break;
      blocks.push(b);
      for (const txid of b.txids) this.#o.events.publish(txStatusEnvelope(txid, { status: 'confirmed', confirmations: k, blockhash: b.hash, height: b.height }, ts), ts);
    }
    this.#o.events.publish(depthEnvelope(tip, blocks, ts), ts);
  }

  /** Transactions of disconnected blocks that the new branch did not include: back in the mempool, or gone. */
  async #returnToMempool(txids: readonly string[]): Promise<void> {
    const inNewBranch = new Set<string>();
    const tip = this.#window.tip;
    for (let h = tip?.height ?? 0; tip !== undefined && h > tip.height - 50 && this.#window.at(h) !== undefined; h--) for (const t of this.#window.at(h)!.txids) inNewBranch.add(t);
    const returned = txids.filter((t) => !inNewBranch.has(t));
    if (returned.length === 0) return;
    const mempool = new Set(await this.#o.rpc.call<string[]>('getrawmempool', [false]));
    const ts = this.#o.now();
    for (const txid of returned) {
      const s = mempool.has(txid) ? ({ status: 'mempool', reason: 'reorg' } as const) : ({ status: 'dropped', reason: 'reorg' } as const);
      this.#o.events.publish(txStatusEnvelope(txid, s, ts), ts);
    }
  }

  /** Mean seconds between the last (up to 10) connected blocks, by header time; null until two are known. */
  meanBlockInterval(): number | null {
    const t = this.#recentTimes;
    return t.length < 2 ? null : (t[t.length - 1]! - t[0]!) / (t.length - 1);
  }

  checkpoint(): Checkpoint | undefined {
    return this.#window.checkpoint();
  }
}

/** Deepest walk below the window before a sync gives up (and is retried): a bound on RPC calls per sync. */
const MAX_FORK_WALK = 10_000;

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}
