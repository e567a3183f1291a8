// The block envelope: the node's `getblock <hash> 1` shape, decoded locally and enriched with what only the
// node knows (confirmations, mediantime, chainwork, neighbours).
import { type Block, type BlockContext, type Network, blockToJson } from '@chainfan/chain';
import type { OutgoingEnvelope } from '@chainfan/protocol';

export function blockEnvelope(block: Block, net: Network, ctx: BlockContext, ts: number): OutgoingEnvelope {
  return { channel: 'blocks', kind: 'block', ts, keys: { a: [] }, body: JSON.stringify(blockToJson(block, net, ctx, 1)) };
}

/** Reads the enrichment fields out of a `getblockheader <hash> true` reply; undefined when it lacks them. */
export function contextFromHeader(reply: unknown): BlockContext | undefined {
  if (typeof reply !== 'object' || reply === null) return undefined;
  const r = reply as Record<string, unknown>;
  const { height, confirmations, mediantime, chainwork, previousblockhash, nextblockhash } = r;
  if (typeof height !== 'number' || typeof confirmations !== 'number' || typeof mediantime !== 'number' || typeof chainwork !== 'string') return undefined;
  return {
    height,
    confirmations,
    mediantime,
    chainwork,
    ...(typeof previousblockhash === 'string' ? { previousblockhash } : {}),
    ...(typeof nextblockhash === 'string' ? { nextblockhash } : {}),
  };
}
