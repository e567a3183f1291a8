// The node's chain as a chain-anchored resume reads it: which block is at a height, a block's parent, a block's body
// (cut to its public fields). Built on the edge's bounded NodeRpc; a node refusal is an answer, only an unreachable
// node throws. Reads of one block body are shared by every resume that asks for it at the same time.
import { publicResult } from './public-fields.js';
import type { NodeRpc } from './node-rpc.js';

export interface BlockHeaderInfo {
  readonly height: number;
  readonly previousblockhash: string | undefined;
}

/** What a chain-anchored resume needs of the node; tests may give an in-process one. */
export interface ChainReader {
  /** Height of the node's active tip. */
  tipHeight(): Promise<number>;
  /** Hash of the active chain's block at `height`; undefined past the tip. */
  blockHash(height: number): Promise<string | undefined>;
  /** Height and parent of any block the node knows (on a side branch too); undefined for an unknown hash. */
  header(hash: string): Promise<BlockHeaderInfo | undefined>;
  /** The block in the node's `getblock <hash> 1` shape, public fields only, as JSON text; undefined when unknown. */
  block(hash: string): Promise<string | undefined>;
}

const HASH_RE = /^[0-9a-f]{64}$/;

/** Bound on block bodies fetched at once by all resumes of this edge: a reconnect storm must not flood the node. */
const MAX_BODY_READS = 4;

export class NodeChain implements ChainReader {
  readonly #rpc: Pick<NodeRpc, 'call'>;
  readonly #bodies = new Map<string, Promise<string | undefined>>();
  #reading = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(rpc: Pick<NodeRpc, 'call'>) {
    this.#rpc = rpc;
  }

  async tipHeight(): Promise<number> {
    const r = await this.#rpc.call('getblockcount', []);
    const n = r.ok ? (JSON.parse(r.result) as unknown) : undefined;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error(`getblockcount: unexpected answer`);
    return n;
  }

  async blockHash(height: number): Promise<string | undefined> {
    const r = await this.#rpc.call('getblockhash', [height]);
    if (!r.ok) return undefined; // out of range
    const h = JSON.parse(r.result) as unknown;
    return typeof h === 'string' && HASH_RE.test(h) ? h : undefined;
  }

  async header(hash: string): Promise<BlockHeaderInfo | undefined> {
    const r = await this.#rpc.call('getblockheader', [hash, true]);
    if (!r.ok) return undefined; // unknown block
    const h = JSON.parse(r.result) as { height?: unknown; previousblockhash?: unknown } | null;
    if (h === null || typeof h !== 'object' || typeof h.height !== 'number' || !Number.isSafeInteger(h.height)) return undefined;
    const prev = typeof h.previousblockhash === 'string' && HASH_RE.test(h.previousblockhash) ? h.previousblockhash : undefined;
    return { height: h.height, previousblockhash: prev };
  }

  block(hash: string): Promise<string | undefined> {
    let p = this.#bodies.get(hash);
    if (p === undefined) {
      p = this.#readBody(hash).finally(() => this.#bodies.delete(hash));
      this.#bodies.set(hash, p);
    }
    return p;
  }

  async #readBody(hash: string): Promise<string | undefined> {
    while (this.#reading >= MAX_BODY_READS) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#reading++;
    try {
      const r = await this.#rpc.call('getblock', [hash, 1]);
      return r.ok ? publicResult('getblock', r.result) : undefined;
    } finally {
      this.#reading--;
      this.#waiting.shift()?.();
    }
  }
}
