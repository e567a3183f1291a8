// Canonical client topics and how each maps onto a bus channel plus a routing-key filter.
import { type Decoded, fail, ok } from './decoded.js';
import { type BusChannel, txsChannels, txsPartitionOf } from './channels.js';

export const MAX_TOPIC_LENGTH = 128;

export type TopicKind =
  | 'blocks'
  | 'transactions'
  | 'mempool'
  | 'sequence'
  | 'assets'
  | 'reorgs'
  | 'address'
  | 'asset'
  | 'tx'
  | 'network'
  | 'peers'
  | 'all';

export const TOPIC_KINDS: readonly TopicKind[] = [
  'blocks', 'transactions', 'mempool', 'sequence', 'assets', 'reorgs', 'address', 'asset', 'tx', 'network', 'peers', 'all',
];

export interface Topic {
  readonly kind: TopicKind;
  /** the parameter of a parameterised topic (address, asset name, txid) */
  readonly arg?: string;
  /** canonical spelling, e.g. `address:EXyz…`; the key of local subscriptions */
  readonly key: string;
}

export type TopicError = 'TOPIC_EMPTY' | 'TOPIC_TOO_LONG' | 'TOPIC_UNKNOWN' | 'TOPIC_BAD_ARG';

/** A Map, never a plain object: client text such as `__proto__` or `constructor` must not find inherited entries. */
const SIMPLE: ReadonlyMap<string, TopicKind> = new Map([
  ['blocks', 'blocks'], ['block', 'blocks'],
  ['transactions', 'transactions'], ['transaction', 'transactions'],
  ['mempool', 'mempool'], ['sequence', 'sequence'],
  ['assets', 'assets'], ['asset', 'assets'],
  ['reorgs', 'reorgs'], ['reorg', 'reorgs'],
  ['network', 'network'], ['peers', 'peers'], ['all', 'all'],
]);

const ADDRESS_RE = /^[1-9A-HJ-NP-Za-km-z]{25,40}$|^[a-z]{1,10}1[02-9ac-hj-np-z]{6,90}$/;
const ASSET_RE = /^[A-Z0-9._#$/!~-]{1,40}$/; // Evrmore asset names incl. sub-assets (/), unique (#), owner (!), qualifiers ($, ~)
const TXID_RE = /^[0-9a-f]{64}$/;

/** Total: parses a client's topic string; `blocks`≡`block`, `transactions`≡`transaction` (evrmore-rpc). */
export function parseTopic(raw: unknown): Decoded<Topic, TopicError> {
  if (typeof raw !== 'string' || raw.length === 0) return fail('TOPIC_EMPTY');
  if (raw.length > MAX_TOPIC_LENGTH) return fail('TOPIC_TOO_LONG');
  const simple = SIMPLE.get(raw);
  if (simple !== undefined) return ok({ kind: simple, key: simple });
  const colon = raw.indexOf(':');
  if (colon < 0) return fail('TOPIC_UNKNOWN');
  const head = raw.slice(0, colon);
  const arg = raw.slice(colon + 1);
  switch (head) {
    case 'address':
      return ADDRESS_RE.test(arg) ? ok({ kind: 'address', arg, key: `address:${arg}` }) : fail('TOPIC_BAD_ARG');
    case 'asset':
      return ASSET_RE.test(arg) ? ok({ kind: 'asset', arg, key: `asset:${arg}` }) : fail('TOPIC_BAD_ARG');
    case 'tx': {
      const t = arg.toLowerCase();
      return TXID_RE.test(t) ? ok({ kind: 'tx', arg: t, key: `tx:${t}` }) : fail('TOPIC_BAD_ARG');
    }
    default:
      return fail('TOPIC_UNKNOWN');
  }
}

/**
 * Bus channels a topic kind needs with `txsPartitions` partitions of the transaction stream (default 1: the single
 * `txs` channel). `all` covers the chain-event channels evrmore-rpc's `all` delivered.
 */
export function channelsForTopic(kind: TopicKind, txsPartitions = 1): readonly BusChannel[] {
  switch (kind) {
    case 'blocks': return ['blocks'];
    case 'transactions': case 'address': return txsChannels(txsPartitions);
    case 'tx': return [...txsChannels(txsPartitions), 'status'];
    case 'assets': case 'asset': return ['assets'];
    case 'mempool': return ['mempool'];
    case 'sequence': return ['sequence'];
    case 'reorgs': return ['chain'];
    case 'network': case 'peers': return ['ctl'];
    case 'all': return ['blocks', ...txsChannels(txsPartitions), 'sequence'];
  }
}

/** The channels one topic reads: like channelsForTopic, but `tx:<txid>` reads only its transaction's partition. */
export function channelsOfTopic(topic: Topic, txsPartitions = 1): readonly BusChannel[] {
  if (topic.kind === 'tx' && topic.arg !== undefined) return [txsPartitionOf(topic.arg, txsPartitions), 'status'];
  return channelsForTopic(topic.kind, txsPartitions);
}

/** A topic spelled in the code itself (a dialect's fixed streams): a bad spelling is a bug, so it throws at load. */
export function builtinTopic(key: string): Topic {
  const t = parseTopic(key);
  if (!t.ok) throw new Error(`bad built-in topic ${key}`);
  return t.value;
}
