// The Dialect seam: one client wire protocol — decodes client frames into commands, encodes server frames.
// Every dialect is pure: the edge owns sockets, subscriptions, timers and I/O, and asks the dialect for bytes.
import type { BusChannel } from '../channels.js';
import type { RejectKind } from '../codes.js';
import type { Envelope } from '../envelope.js';
import type { BlockPosition, ResyncNotice, Since, StreamPosition } from '../positions.js';
import type { Topic } from '../topics.js';

/** Bounded label values for `chainfan_edge_client_errors_total{reason}`; one per way a request can fail. */
export type ClientErrorReason =
  | 'invalid_json'
  | 'invalid_action'
  | 'invalid_topic'
  | 'not_subscribed'
  | 'bad_command'
  | 'too_large'
  /** JSON nested deeper than any request needs (refused before parsing) */
  | 'too_deep'
  | 'topic_too_long'
  | 'invalid_since'
  | 'rate_limited'
  | 'too_many_subscriptions'
  | 'topic_not_allowed'
  | 'unavailable'
  | 'command_not_allowed'
  | 'command_failed';

/**
 * One refusal as the edge or a decoder states it: `code`/`message` from the ERROR table (evrmore-rpc's numbering);
 * dialects with their own numbering map `reason` onto it.
 */
export interface ClientError {
  readonly reason: ClientErrorReason;
  readonly code: number;
  readonly message: string;
}

export type SubscriptionAction = 'subscribe' | 'unsubscribe';

/**
 * What a subscription reads: a canonical topic, routed by the edge from routing keys, or one variant
 * of a stream the dialect derives at the edge from whole channels (batches, correlations, filters on body fields).
 */
export type Target =
  | { readonly type: 'topic'; readonly topic: Topic }
  | { readonly type: 'derived'; readonly stream: string; readonly variant: string };

/**
 * The client's request id as JSON text (`"sub1"`, `7`), echoed verbatim by the answers to that request; absent when
 * the client sent none or the dialect has no request ids.
 */
export type RequestRef = string | undefined;

/**
 * What one client frame asks for. `raw` is the subscription's name as the client spelled it (acks echo it). A
 * subscribe with `since` asks for recovery (or, with "now", just for the positions in its ack). `invalid` carries
 * the error to answer; the connection stays open. `batch` is several requests in one frame, answered in order (never
 * nested). `ignore` means answer nothing.
 */
export type ClientCommand =
  | {
    readonly type: 'subscribe'; readonly target: Target; readonly raw: string; readonly since?: Since; readonly ref?: RequestRef;
    /** chain-anchored resume: the `blocks` channel continues after this block (from history or the node) */
    readonly block?: BlockPosition;
  }
  | { readonly type: 'unsubscribe'; readonly target: Target; readonly raw: string; readonly ref?: RequestRef }
  | { readonly type: 'ping'; readonly ref?: RequestRef }
  | { readonly type: 'status'; readonly ref?: RequestRef }
  /** a read-only node RPC call (evrmore-rpc's documented command messages); the edge checks the allow-list */
  | { readonly type: 'rpc'; readonly method: string; readonly params: readonly unknown[]; readonly ref?: RequestRef }
  | { readonly type: 'invalid'; readonly error: ClientError; readonly ref?: RequestRef }
  | { readonly type: 'batch'; readonly commands: readonly ClientCommand[] }
  | { readonly type: 'ignore' };

/** An acknowledged subscribe or unsubscribe. `positions` only for subscribes that carried `since`. */
export interface Ack {
  readonly action: SubscriptionAction;
  readonly raw: string;
  readonly target: Target;
  readonly ref: RequestRef;
  readonly nowMs: number;
  readonly positions?: ReadonlyMap<BusChannel, StreamPosition>;
}

/** What the edge knows when it answers a status request. */
export interface StatusView {
  /** the session's subscriptions, as the client named them */
  readonly subscriptions: readonly string[];
  /** WebSocket clients over the whole cluster (this edge's alone when the cluster registry cannot be read) */
  readonly connections: number;
  /** edges currently registered in the cluster (1 when unknown) */
  readonly edges: number;
  /** the latest canonical `network` summary this edge saw (JSON text), if any */
  readonly network: string | undefined;
}

/** Answers to requests that are neither subscriptions nor errors. `result` is the node's result as JSON text. */
export type Reply =
  | { readonly type: 'pong'; readonly ref: RequestRef; readonly nowMs: number }
  | { readonly type: 'status'; readonly ref: RequestRef; readonly nowMs: number; readonly status: StatusView }
  | { readonly type: 'rpc'; readonly ref: RequestRef; readonly method: string; readonly params: readonly unknown[]; readonly result: string };

/** An application-level heartbeat for dialects whose clients expect one besides WebSocket pings. */
export interface DialectHeartbeat {
  readonly intervalMs: number;
  /** One frame for every socket of the dialect (fanned out once per tick, never per recipient). */
  encode(nowMs: number): string;
}

/** Where a derived stream's frames go: one uWS topic per variant that has subscribers. */
export interface DerivedOutput {
  /** whether any socket of this edge reads `variant` now (skip work for variants nobody reads) */
  wants(variant: string): boolean;
  /** publishes `frame` to every subscriber of `variant` */
  emit(variant: string, frame: string): void;
}

/** The state of one derived stream on one edge; created on its first subscriber, dropped after its last. */
export interface DerivedState {
  /**
   * Every envelope the edge delivers on the stream's channels, in channel order (synchronously, inside the fan-out:
   * keep it cheap and never throw on malformed bodies). Emits frames at once when it has any.
   */
  add(env: Envelope, out: DerivedOutput): void;
  /** Every `intervalMs` while the stream has subscribers (batched streams). */
  flush?(nowMs: number, out: DerivedOutput): void;
}

/**
 * A stream a dialect computes at the edge from whole bus channels, for what routing keys cannot express: batches
 * (The Block's `receipts` every 3 s), correlations (an asset transfer confirmed in a block) or filters on body fields
 * (Rustorium's `confirmations`). Its bodies are parsed once per message per edge, only while someone subscribes.
 */
export interface DerivedStream {
  /** unique within the dialect; part of uWS topic names and the `topic_kind` label */
  readonly name: string;
  readonly channels: readonly BusChannel[];
  /** canonical topics whose data it exposes: a principal must be allowed all of them */
  readonly aclTopics: readonly Topic[];
  readonly intervalMs?: number;
  create(): DerivedState;
}

/** Limits a dialect's documentation promises, replacing the edge's defaults for its connections. */
export interface DialectLimits {
  /** per API key over the whole cluster (counted apart from other dialects' connections) */
  readonly maxConnectionsPerKey?: number;
  readonly maxSubscriptionsPerConnection?: number;
  /** inbound frames; a bucket of this size refilling over a minute */
  readonly messagesPerMinute?: number;
  /** refuse connections without a credential whenever the edge accepts credentials (API keys or JWTs configured) */
  readonly requiresCredentials?: boolean;
}

/** Why the edge ends or refuses a connection; dialects whose clients only see close codes map these. */
export type DialectCloseCause = RejectKind | 'rate_limited';

export interface Dialect {
  /** Stable id: part of the edge's uWS topic names and the `dialect` metric label, so keep it short and fixed. */
  readonly name: string;
  /** Whether frames go out as binary WebSocket messages (false: text). */
  readonly binary: boolean;
  /** Frames longer than this decode to `invalid` without being parsed. */
  readonly maxCommandBytes: number;
  /** Whether event frames carry their position (`channel`, `epoch`, `seq`) and `since` is understood. */
  readonly positions: boolean;
  /** Absent: the dialect relies on WebSocket pings alone (the edge's transport sends those). */
  readonly heartbeat?: DialectHeartbeat;
  /**
   * WebSocket ping frames to every socket of the dialect at this period, for protocols whose servers document a ping
   * interval (evrmore-rpc: 20 s). Absent: only the transport's idle-time pings.
   */
  readonly pingIntervalMs?: number;
  /**
   * For protocols whose server names each subscription (Rustorium's `subscription_id`): the id of a connection's
   * `n`-th subscribe to `raw`. Each subscribe is then a subscription of its own: its ack carries this id, an
   * unsubscribe decodes with the id as `raw` and ends only that one, and the stream is left with the last of them.
   * Absent: subscriptions are a set of names (subscribing twice is one subscription).
   */
  subscriptionId?(raw: string, n: number): string;
  /** Streams computed at the edge, by name. */
  readonly derived?: ReadonlyMap<string, DerivedStream>;
  /** Subscriptions every connection holds from its open without asking (no ack, outside the subscription limit). */
  readonly implicit?: readonly Target[];
  readonly limits?: DialectLimits;

  /**
   * Total: never throws, whatever the bytes. Reads `frame` synchronously only — uWS detaches the ArrayBuffer when
   * its message handler returns. Cost is bounded by `maxCommandBytes`.
   */
  decode(frame: ArrayBuffer | string, isBinary: boolean): ClientCommand;

  /**
   * The whole frame for one event of a canonical topic, or undefined when the dialect has none for this kind. Called
   * once per (message, dialect) and fanned out to every subscriber as is, so it must not depend on the recipient.
   * Dialects that splice the body (those with `positions`) never parse it; mapping dialects parse it once here.
   */
  encodeEvent(env: Envelope): string | undefined;

  /**
   * A block or reorg event the edge re-read from the node for a chain-anchored resume: it has no bus position, so the
   * frame carries none. Absent (or undefined) for dialects without `since`.
   */
  encodeNodeEvent?(kind: 'block' | 'reorg', body: string): string | undefined;

  encodeAck(ack: Ack): string;

  /** An error frame; `error.message` is already bounded by whoever built it (decode, or the edge's fixed texts). */
  encodeError(error: ClientError, ref: RequestRef): string;

  /**
   * Tells the client its stream of one topic and channel is discontinuous, and from where to continue; undefined for
   * dialects whose streams are snapshots (the next one replaces what was lost).
   */
  encodeResync(notice: ResyncNotice): string | undefined;

  /** Answers ping/status/rpc; only called for command types the dialect's decode produces. */
  encodeReply(reply: Reply): string;

  /** The first frame of every connection, for dialects that greet. */
  encodeWelcome?(nowMs: number): string;

  /**
   * For dialects whose clients learn about refusals from close codes (a browser cannot read an upgrade's HTTP
   * status): the close to use instead. Undefined: the edge's default (HTTP status at upgrade, 4029 for floods).
   */
  closeFor?(cause: DialectCloseCause): { readonly code: number; readonly reason: string } | undefined;
}
