// Per-connection state of one client socket; owned by the Edge, carried as the transport's connection data.
import type { BusChannel, Dialect, ResyncNotice, Target, Topic } from '@chainfan/protocol';
import type { AdmissionTicket } from './admission.js';
import type { Cancel } from './clock.js';
import type { TokenBucket } from './limits/token-bucket.js';
import type { Recovery } from './recovery/recovery.js';
import type { TopicCounters } from './subscription-registry.js';
import type { WsConnection } from './transport/ws-transport.js';

/** Bounded `reason` label values of chainfan_edge_connections_closed_total for closes the edge initiates. */
export type ServerCloseReason = 'draining' | 'slow_consumer' | 'rate_limited' | 'internal' | 'shutdown' | 'token_expired' | 'rejected';

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

export class Session {
  readonly id: number;
  readonly dialect: Dialect;
  readonly openedAtMs: number;
  readonly ticket: AdmissionTicket;
  readonly bucket: TokenBucket;
  /** set by the open handler; undefined only between upgrade and open */
  conn: WsConnection<Session> | undefined;
  /** registry key → subscription, for every subscription acknowledged or being recovered */
  readonly subs = new Map<string, Subscription>();
  /** subscriptions the client asked for (implicit ones excluded): what the subscription limit counts */
  explicitSubs = 0;
  /** subscribes numbered so far, for dialects that name each subscription */
  subscribeSeq = 0;
  /** the limit of this connection's dialect */
  readonly maxSubscriptions: number;
  /** admission was refused but the dialect reports refusals as close codes: the socket is closed right after open */
  doomed: { readonly code: number; readonly reason: string } | undefined;
  /** commands accepted but not yet answered; bounded by maxPendingCommands */
  pending = 0;
  /** tail of this socket's command chain: commands are answered in the order they arrived */
  queue: Promise<void> = Promise.resolve();
  closed = false;
  /** why the edge ended this socket, when it did */
  closeReason: ServerCloseReason | undefined;
  /** frames sent directly (acks, errors, replays, notices) plus those its topics brought, counted at leave time */
  messages = 0;
  /** drop-and-resync: notices waiting for the socket to drain; undefined when not resyncing */
  resync: ResyncNotice[] | undefined;
  /** resolvers of whenWritable() waiting for the drain handler */
  readonly writable: (() => void)[] = [];
  /** closes the socket when its token expires */
  expiry: Cancel | undefined;

  constructor(id: number, dialect: Dialect, openedAtMs: number, ticket: AdmissionTicket, bucket: TokenBucket, maxSubscriptions: number) {
    this.id = id;
    this.dialect = dialect;
    this.openedAtMs = openedAtMs;
    this.ticket = ticket;
    this.bucket = bucket;
    this.maxSubscriptions = maxSubscriptions;
  }

  get isOpen(): boolean {
    return !this.closed && this.conn?.isOpen === true;
  }
}
