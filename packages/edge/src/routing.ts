// Which client topics one bus envelope belongs to, from its channel, kind and routing keys — never from its body.
import { baseChannel, type Envelope, type TopicKind } from '@chainfan/protocol';

export interface RouteTarget {
  /** canonical topic key, as `parseTopic` spells it */
  readonly key: string;
  readonly kind: TopicKind;
}

const target = (kind: TopicKind): RouteTarget => Object.freeze({ key: kind, kind });
const BLOCKS = [target('blocks'), target('all')] as const;
const SEQUENCE = [target('sequence'), target('all')] as const;
const TRANSACTIONS = target('transactions');
const ALL = target('all');
/** The topics whose events `all` carries: a socket holding `all` reads them once through it (edge.ts shadows them). */
export const ALL_PARTS: ReadonlySet<string> = new Set(['blocks', 'transactions', 'sequence']);
const ASSETS = [target('assets')] as const;
const MEMPOOL = [target('mempool')] as const;
const REORGS = [target('reorgs')] as const;
const NETWORK = [target('network')] as const;
const PEERS = [target('peers')] as const;
const NONE: readonly RouteTarget[] = [];
const NO_STRINGS: readonly string[] = [];

/** Routing keys come from a header other processes wrote: take only string entries, each once. */
function strings(v: unknown): readonly string[] {
  if (!Array.isArray(v)) return NO_STRINGS;
  if (v.length === 1) return typeof v[0] === 'string' ? (v as string[]) : [];
  const out = new Set<string>();
  for (const x of v) if (typeof x === 'string') out.add(x);
  return [...out];
}

/**
 * Every topic the envelope goes to. `all` is what evrmore-rpc's `all` delivered: blocks, transactions and
 * sequence; a socket holding `all` and one of those gets each event once (see ALL_PARTS). Other overlaps (e.g.
 * `transactions` and `address:X`) deliver once per topic: those topics are independent subscriptions.
 */
export function routeEnvelope(env: Envelope): readonly RouteTarget[] {
  switch (baseChannel(env.channel)) {
    // every partition of the transaction stream routes as `txs`
    case 'blocks':
      return BLOCKS;
    case 'sequence':
      return SEQUENCE;
    case 'txs': {
      const out: RouteTarget[] = [TRANSACTIONS, ALL];
      for (const a of strings(env.keys.a)) out.push({ key: `address:${a}`, kind: 'address' });
      const txid = env.keys.tx;
      if (typeof txid === 'string') out.push({ key: `tx:${txid.toLowerCase()}`, kind: 'tx' });
      return out;
    }
    case 'assets': {
      const names = strings(env.keys.as);
      if (names.length === 0) return ASSETS;
      const out: RouteTarget[] = [...ASSETS];
      for (const n of names) out.push({ key: `asset:${n}`, kind: 'asset' });
      return out;
    }
    case 'mempool':
      return MEMPOOL;
    case 'chain':
      return env.kind === 'reorg' ? REORGS : NONE; // depth/confirmation summaries have no client topic yet
    case 'status': {
      const txid = env.keys.tx; // tx status changes (mempool → confirmed 1..N, back to mempool on a reorg)
      return typeof txid === 'string' ? [{ key: `tx:${txid.toLowerCase()}`, kind: 'tx' }] : NONE;
    }
    case 'ctl':
      // liveness probes and other control traffic share `ctl` and go to nobody
      return env.kind === 'network' ? NETWORK : env.kind === 'peers' ? PEERS : NONE;
  }
}
