// Which subscribed topic a server message belongs to. The evrmore-rpc wire format does not name the topic an event
// was sent for, so one shared connection attributes each event from its type and identifying fields.
import type {
  AssetMessage, BlockMessage, ChainfanMessage, MempoolMessage, SequenceMessage, TransactionMessage,
} from '@chainfan/client';
import { parseTopic, type TopicKind } from '@chainfan/protocol';

/** Messages a topic delivers, by its spelling: `useChainfan('blocks')` is typed BlockMessage, and so on. */
export type MessageForTopic<T extends string> = T extends 'blocks' | 'block'
  ? BlockMessage
  : T extends 'transactions' | 'transaction' | `address:${string}` | `tx:${string}`
    ? TransactionMessage
    : T extends 'assets' | 'asset' | `asset:${string}`
      ? AssetMessage
      : T extends 'mempool'
        ? MempoolMessage
        : T extends 'sequence'
          ? SequenceMessage
          : T extends 'all'
            ? BlockMessage | TransactionMessage | SequenceMessage
            : ChainfanMessage;

/** Event messages: everything but acks and errors, which answer requests rather than belong to a topic. */
export type EventMessage = Exclude<ChainfanMessage, { type: 'subscription' } | { type: 'error' }>;

/** Canonical key of a topic (`block` → `blocks`, txids lower-cased); an unparsable topic is its own key. */
export function topicKey(topic: string): string {
  const t = parseTopic(topic);
  return t.ok ? t.value.key : topic;
}

interface Parsed {
  readonly key: string;
  readonly kind: TopicKind | undefined;
  readonly arg: string | undefined;
}

function parse(topic: string): Parsed {
  const t = parseTopic(topic);
  return t.ok ? { key: t.value.key, kind: t.value.kind, arg: t.value.arg } : { key: topic, kind: undefined, arg: undefined };
}

/** Topic kinds whose subscription can deliver a message of this type. */
function kindsFor(msg: EventMessage): readonly TopicKind[] {
  switch (msg.type) {
    case 'block':
      return ['blocks', 'all'];
    case 'transaction':
      return ['transactions', 'all', 'address', 'tx'];
    case 'asset':
      return ['assets', 'asset'];
    case 'mempool':
      return ['mempool'];
    case 'sequence':
      return ['sequence', 'all'];
    case 'unknown':
      // periodic and chain notices go out under their own names (`reorg`, `network`, `peers`, …)
      if (msg.wireType === 'reorg' || msg.wireType === 'reorgs' || msg.wireType === 'resync') return ['reorgs'];
      if (msg.wireType === 'network' || msg.wireType === 'network_metrics') return ['network'];
      if (msg.wireType === 'peers') return ['peers'];
      return [];
  }
}

function record(v: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
}

/** Addresses a transaction visibly touches: its outputs, and inputs where the node added `address` (-addressindex). */
function touchesAddress(msg: TransactionMessage, address: string): boolean {
  for (const out of msg.data.vout ?? []) if (out.scriptPubKey?.addresses?.includes(address)) return true;
  for (const input of msg.data.vin ?? []) if (record(input)?.['address'] === address) return true;
  return false;
}

/** Whether the message's own fields show it belongs to the (parameterised) topic. */
function shows(p: Parsed, msg: EventMessage): boolean {
  switch (p.kind) {
    case 'address':
      return msg.type === 'transaction' && p.arg !== undefined && touchesAddress(msg, p.arg);
    case 'tx':
      return msg.type === 'transaction' && msg.data.txid.toLowerCase() === p.arg;
    case 'asset':
      return msg.type === 'asset' && msg.data.asset === p.arg;
    default:
      return true;
  }
}

/**
 * The keys among `subscribed` (canonical keys) that `msg` belongs to. When only one subscribed topic can deliver
 * this type of message at all, the message is that topic's whatever its fields say — exact for a connection that
 * subscribes one address, say. Otherwise parameterised topics keep only messages whose fields show they match;
 * a spend from an address whose inputs carry no `address` field is then attributed to `transactions` alone.
 */
export function topicsForMessage(msg: EventMessage, subscribed: Iterable<string>): string[] {
  const kinds = kindsFor(msg);
  const candidates: Parsed[] = [];
  for (const key of subscribed) {
    const p = parse(key);
    if (p.kind !== undefined && kinds.includes(p.kind)) candidates.push(p);
  }
  if (candidates.length <= 1) return candidates.map((p) => p.key);
  return candidates.filter((p) => shows(p, msg)).map((p) => p.key);
}

/**
 * Identity of an event for de-duplication: the edge sends an event once per matching topic, so a connection
 * subscribed to `transactions` and `address:X` receives X's transactions twice. Undefined: never de-duplicated
 * (periodic summaries have no identity and are not sent twice).
 */
export function eventIdentity(msg: EventMessage): string | undefined {
  switch (msg.type) {
    case 'block':
      return `b:${msg.data.hash}`;
    case 'transaction':
      // the same txid again with new block fields is a status update (tx:<txid> topics), not a duplicate
      return `t:${msg.data.txid}:${msg.data.blockhash ?? ''}:${msg.data.confirmations ?? ''}`;
    case 'asset':
      return `a:${msg.data.txid}:${msg.data.vout ?? ''}:${msg.data.asset}`;
    case 'sequence':
      return `s:${msg.data.sequence}:${msg.data.hash}`;
    default:
      return undefined;
  }
}

export function isEventMessage(msg: ChainfanMessage): msg is EventMessage {
  return msg.type !== 'subscription' && msg.type !== 'error';
}
