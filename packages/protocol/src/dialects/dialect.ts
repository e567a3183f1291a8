// The Dialect seam (DESIGN.md §5): one client wire protocol — decodes client frames into commands, encodes server frames.
import type { BusChannel } from '../channels.js';
import type { Envelope } from '../envelope.js';
import type { ResyncNotice, Since, StreamPosition } from '../positions.js';
import type { Topic } from '../topics.js';

/** Bounded label values for `chainfan_edge_client_errors_total{reason}`; one per way a client frame can be wrong. */
export type ClientErrorReason =
  | 'invalid_json'
  | 'invalid_action'
  | 'invalid_topic'
  | 'not_subscribed'
  | 'bad_command'
  | 'too_large'
  | 'topic_too_long'
  | 'invalid_since';

export type SubscriptionAction = 'subscribe' | 'unsubscribe';

/**
 * What one client frame asks for. `raw` is the topic exactly as the client spelled it (acks echo it);
 * `topic.key` is the canonical spelling the edge subscribes under. A subscribe with `since` asks for recovery
 * (or, with "now", just for the positions in its ack). `invalid` carries the dialect's own error code and message,
 * ready for `encodeError`; the connection stays open. `ignore` means answer nothing.
 */
export type ClientCommand =
  | { readonly type: 'subscribe'; readonly topic: Topic; readonly raw: string; readonly since?: Since }
  | { readonly type: 'unsubscribe'; readonly topic: Topic; readonly raw: string }
  | { readonly type: 'invalid'; readonly code: number; readonly message: string; readonly reason: ClientErrorReason }
  | { readonly type: 'ignore' };

/** An application-level heartbeat for dialects whose clients expect one besides WebSocket pings. */
export interface DialectHeartbeat {
  readonly intervalMs: number;
  /** One frame for every socket of the dialect (fanned out once per tick, never per recipient). */
  encode(nowMs: number): string;
}

export interface Dialect {
  /** Stable id: part of the edge's uWS topic names and the `dialect` metric label, so keep it short and fixed. */
  readonly name: string;
  /** Whether frames go out as binary WebSocket messages (false: text). */
  readonly binary: boolean;
  /** Frames longer than this decode to `invalid` without being parsed. */
  readonly maxCommandBytes: number;
  /** Absent: the dialect relies on WebSocket pings alone (the edge's transport sends those). */
  readonly heartbeat?: DialectHeartbeat;

  /**
   * Total: never throws, whatever the bytes. Reads `frame` synchronously only — uWS detaches the ArrayBuffer when
   * its message handler returns. Cost is bounded by `maxCommandBytes`.
   */
  decode(frame: ArrayBuffer | string, isBinary: boolean): ClientCommand;

  /**
   * The whole frame for one event, carrying the event's position (channel, epoch, seq) so clients can resume.
   * Called once per (message, dialect) and the result is fanned out to every subscriber as is, so it must not
   * depend on the recipient. Never parses `env.body`: the body is spliced in.
   */
  encodeEvent(env: Envelope): string;

  /**
   * Confirms a subscribe/unsubscribe; `rawTopic` is the client's own spelling. `positions` (only for subscribes that
   * carried `since`) says, per channel, after which message the live stream of this subscription starts.
   */
  encodeAck(action: SubscriptionAction, rawTopic: string, positions?: ReadonlyMap<BusChannel, StreamPosition>): string;

  /** An error frame; `message` is already bounded by whoever built it (decode, or the edge's fixed texts). */
  encodeError(code: number, message: string): string;

  /** Tells the client its stream of one topic and channel is discontinuous, and from where to continue. */
  encodeResync(notice: ResyncNotice): string;
}
