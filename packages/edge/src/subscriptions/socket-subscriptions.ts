// One socket's subscription state, kept by the Subscriptions state machine and changed by nothing else: the
// subscriptions it holds, what the limit counts, and the frames its topics brought it.
import type { BusChannel, Target, Topic } from '@chainfan/protocol';
import type { Recovery } from '../recovery/recovery.js';
import type { TopicCounters } from '../subscription-registry.js';

/**
 * One acknowledged (`live`) or recovering subscription. A live one is a member of its uWS topic; `counters` and
 * `at*` let the edge tell how many frames the topic brought this socket without counting per recipient.
 */
export interface Subscription {
  readonly target: Target;
  /** the canonical topic, for topic targets (derived streams have none) */
  readonly topic: Topic | undefined;
  /** registry key: the topic's canonical key, or `derived:<stream>:<variant>` */
  readonly key: string;
  /** `topic_kind` label: the topic's kind, or the derived stream's name */
  readonly kind: string;
  readonly channels: readonly BusChannel[];
  /** the client's spelling, echoed by acks and notices */
  readonly raw: string;
  /** held from the open without being asked for (Dialect.implicit): no ack, outside the subscription limit */
  readonly implicit: boolean;
  state: 'recovering' | 'live';
  recovery: Recovery | undefined;
  counters: TopicCounters | undefined;
  atMessages: number;
  /**
   * Live, but read through the session's `all` (blocks, transactions and sequence): no uWS membership and no registry
   * reader of its own, so each event arrives once, as evrmore-rpc's server sends it. Joins again when `all` goes.
   */
  shadowed: boolean;
  /** the ids of the subscribes this subscription serves, for dialects that name each one (Dialect.subscriptionId) */
  handles: Set<string> | undefined;
}

/** What other modules and tests may see of one subscription. */
export interface SubscriptionView {
  readonly key: string;
  readonly raw: string;
  readonly kind: string;
  readonly implicit: boolean;
  readonly state: 'recovering' | 'live';
  readonly shadowed: boolean;
  /** a member of its own uWS topic (live and not read through `all`) */
  readonly reading: boolean;
}

export class SocketSubscriptions {
  /** registry key → subscription, for every subscription acknowledged or being recovered */
  readonly byKey = new Map<string, Subscription>();
  /** subscriptions the client asked for (implicit ones excluded): what the subscription limit counts */
  explicit = 0;
  /** subscribes numbered so far, for dialects that name each subscription */
  seq = 0;
  /** frames its topics brought this socket, counted when it leaves a topic */
  topicMessages = 0;
}

export function viewOf(sub: Subscription): SubscriptionView {
  return {
    key: sub.key, raw: sub.raw, kind: sub.kind, implicit: sub.implicit, state: sub.state, shadowed: sub.shadowed, reading: sub.counters !== undefined,
  };
}
