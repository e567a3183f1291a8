// Rustorium's WebSocket API (its published API): `/ws?token=<API key>`, a heartbeat every 30 s,
// `{"type":"subscribe","id","data":{"channel","filter"}}` → `subscribe_success` with a `subscription_id`, unsubscribe
// by that id, `new_block` / `tx_confirmed` / `state_update` events, `{"type":"error","id","data":null,"error":{code,
// message}}`, close codes 4000–4003 and its documented limits. A subscription id names what it reads and which
// subscribe made it (`blocks#1`, `transactions:c3#2`): two subscriptions to one channel have two ids, and the edge
// keeps the channel until the last of them is unsubscribed.
import type { Envelope } from '../envelope.js';
import type { ResyncNotice } from '../positions.js';
import type { Ack, ClientCommand, ClientError, ClientErrorReason, Dialect, DialectCloseCause, Reply, RequestRef, Target } from './dialect.js';
import { bounded, echo, type JsonObject, own, parseBody, parseFrame, type FrameError, requestRef, unixSeconds } from './json-frame.js';
import { BLOCKS_TOPIC, NEW_BLOCK_STREAM, newBlockData, newBlockFrame, STATE_STREAM, TX_CONFIRMED_STREAM } from './rustorium-streams.js';

export const RUSTORIUM_MAX_COMMAND_BYTES = 4_096;

/** The documented error and close codes. */
export const RUSTORIUM_CODES = { invalidToken: 4000, rateLimited: 4001, invalidMessage: 4002, subscriptionError: 4003 } as const;

const CODE_BY_REASON: Readonly<Record<ClientErrorReason, number>> = {
  rate_limited: RUSTORIUM_CODES.rateLimited,
  invalid_json: RUSTORIUM_CODES.invalidMessage,
  invalid_action: RUSTORIUM_CODES.invalidMessage,
  bad_command: RUSTORIUM_CODES.invalidMessage,
  too_large: RUSTORIUM_CODES.invalidMessage,
  too_deep: RUSTORIUM_CODES.invalidMessage,
  invalid_since: RUSTORIUM_CODES.invalidMessage,
  invalid_topic: RUSTORIUM_CODES.subscriptionError,
  not_subscribed: RUSTORIUM_CODES.subscriptionError,
  topic_too_long: RUSTORIUM_CODES.subscriptionError,
  too_many_subscriptions: RUSTORIUM_CODES.subscriptionError,
  topic_not_allowed: RUSTORIUM_CODES.subscriptionError,
  unavailable: RUSTORIUM_CODES.subscriptionError,
  command_not_allowed: RUSTORIUM_CODES.invalidMessage,
  command_failed: RUSTORIUM_CODES.invalidMessage,
};

export interface RustoriumOptions {
  /** documented: 30 s */
  readonly heartbeatMs?: number;
  /** deepest `confirmations` filter served: the ingestor's CHAINFAN_CONFIRMATIONS (status events stop there) */
  readonly maxConfirmations?: number;
}

const SUB_ID_RE = /^((blocks|transactions|state)(?::c(\d{1,3}))?)#[1-9]\d{0,15}$/;

/** Our own closed set of keys (never client text), so a plain record is safe here. */
const FRAME_ERRORS: Readonly<Record<FrameError, ClientErrorReason>> = {
  too_large: 'too_large', too_deep: 'too_deep', invalid_json: 'invalid_json', not_object: 'bad_command',
};

function invalid(reason: ClientErrorReason, message: string, ref: RequestRef): ClientCommand {
  const error = { reason, code: CODE_BY_REASON[reason], message };
  return ref === undefined ? { type: 'invalid', error } : { type: 'invalid', error, ref };
}

export function createRustoriumDialect(opts: RustoriumOptions = {}): Dialect {
  const heartbeatMs = opts.heartbeatMs ?? 30_000;
  const maxConfirmations = opts.maxConfirmations ?? 6;
  const withRef = <T extends object>(cmd: T, ref: RequestRef): T => (ref === undefined ? cmd : { ...cmd, ref });

  /** The subscription a (channel, confirmations) pair reads, and its id; a string is the error text. */
  function resolve(channel: string, confirmations: number | undefined): { target: Target; id: string } | string {
    switch (channel) {
      case 'blocks': {
        const k = confirmations ?? 1;
        if (k <= 1) return { target: { type: 'topic', topic: BLOCKS_TOPIC }, id: 'blocks' };
        return { target: { type: 'derived', stream: NEW_BLOCK_STREAM.name, variant: String(k) }, id: `blocks:c${k}` };
      }
      case 'transactions': {
        const k = confirmations ?? 1;
        if (k < 1) return `confirmations must be 1..${maxConfirmations} for transactions`;
        return { target: { type: 'derived', stream: TX_CONFIRMED_STREAM.name, variant: String(k) }, id: `transactions:c${k}` };
      }
      case 'state':
        if (confirmations !== undefined && confirmations !== 1) return 'state updates are sent at 1 confirmation';
        return { target: { type: 'derived', stream: STATE_STREAM.name, variant: '' }, id: 'state' };
      default:
        return `Unknown channel: ${echo(channel)}`;
    }
  }

  function decodeSubscribe(data: JsonObject, ref: RequestRef): ClientCommand {
    const channel = own(data, 'channel');
    if (typeof channel !== 'string') return invalid('invalid_topic', 'Subscription error: data.channel must be a string', ref);
    const filter = Object.hasOwn(data, 'filter') ? own(data, 'filter') : {};
    if (filter !== null && (typeof filter !== 'object' || Array.isArray(filter))) return invalid('invalid_topic', 'Subscription error: filter must be an object', ref);
    let confirmations: number | undefined;
    for (const [key, value] of Object.entries(filter ?? {})) {
      if (key !== 'confirmations') return invalid('invalid_topic', `Subscription error: unsupported filter ${echo(key)}`, ref);
      if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > maxConfirmations) {
        return invalid('invalid_topic', `Subscription error: confirmations must be an integer 0..${maxConfirmations}`, ref);
      }
      confirmations = value as number;
    }
    const r = resolve(channel, confirmations);
    if (typeof r === 'string') return invalid('invalid_topic', `Subscription error: ${r}`, ref);
    return withRef({ type: 'subscribe', target: r.target, raw: r.id }, ref);
  }

  function decodeUnsubscribe(data: JsonObject, ref: RequestRef): ClientCommand {
    const id = own(data, 'subscription_id');
    const m = typeof id === 'string' ? SUB_ID_RE.exec(id) : null;
    const r = m === null ? undefined : resolve(m[2]!, m[3] === undefined ? undefined : Number(m[3]));
    // only ids this dialect hands out parse back to themselves; the edge knows which of them this connection holds
    if (r === undefined || typeof r === 'string' || r.id !== m![1]) return invalid('not_subscribed', `Subscription error: unknown subscription ${echo(id)}`, ref);
    return withRef({ type: 'unsubscribe', target: r.target, raw: id as string }, ref);
  }

  function decode(frame: ArrayBuffer | string, _isBinary: boolean): ClientCommand {
    const parsed = parseFrame(frame, RUSTORIUM_MAX_COMMAND_BYTES);
    if (!parsed.ok) return invalid(FRAME_ERRORS[parsed.error], 'Invalid message format', undefined);
    const m = parsed.value;
    const ref = requestRef(own(m, 'id'));
    const type = own(m, 'type');
    if (type === 'ping') return withRef({ type: 'ping' }, ref);
    if (type !== 'subscribe' && type !== 'unsubscribe') return invalid('invalid_action', `Invalid message format: unknown type ${echo(type)}`, ref);
    const data = own(m, 'data');
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return invalid('bad_command', 'Invalid message format: data must be an object', ref);
    return type === 'subscribe' ? decodeSubscribe(data as JsonObject, ref) : decodeUnsubscribe(data as JsonObject, ref);
  }

  return Object.freeze<Dialect>({
    name: 'rustorium',
    binary: false,
    positions: false,
    maxCommandBytes: RUSTORIUM_MAX_COMMAND_BYTES,
    heartbeat: { intervalMs: heartbeatMs, encode: (nowMs: number) => `{"type":"heartbeat","data":{"timestamp":${unixSeconds(nowMs)}}}` },
    derived: new Map([[NEW_BLOCK_STREAM.name, NEW_BLOCK_STREAM], [TX_CONFIRMED_STREAM.name, TX_CONFIRMED_STREAM], [STATE_STREAM.name, STATE_STREAM]]),
    limits: { maxConnectionsPerKey: 10, maxSubscriptionsPerConnection: 100, messagesPerMinute: 1_000, requiresCredentials: true },
    subscriptionId: (raw: string, n: number) => `${raw}#${n}`,
    decode,
    encodeEvent(env: Envelope): string | undefined {
      if (env.channel !== 'blocks' || env.kind !== 'block') return undefined;
      const b = parseBody(env.body);
      return b === undefined ? undefined : newBlockFrame(newBlockData(b));
    },
    encodeAck(a: Ack): string {
      const id = a.ref ?? 'null';
      return a.action === 'subscribe'
        ? `{"type":"subscribe_success","id":${id},"data":{"subscription_id":${JSON.stringify(a.raw)}},"error":null}`
        : `{"type":"unsubscribe_success","id":${id},"data":{},"error":null}`;
    },
    encodeError(e: ClientError, ref: RequestRef): string {
      return `{"type":"error","id":${ref ?? 'null'},"data":null,"error":{"code":${CODE_BY_REASON[e.reason]},"message":${JSON.stringify(bounded(e.message))}}}`;
    },
    encodeResync(_n: ResyncNotice): undefined {
      return undefined; // no positions in this protocol: nothing a client could resume from
    },
    encodeReply(r: Reply): string {
      return r.type === 'pong'
        ? `{"type":"pong","id":${r.ref ?? 'null'},"data":{"timestamp":${unixSeconds(r.nowMs)}},"error":null}`
        : `{"type":"error","id":${r.ref ?? 'null'},"data":null,"error":{"code":${RUSTORIUM_CODES.invalidMessage},"message":"Unsupported request"}}`;
    },
    closeFor(cause: DialectCloseCause): { code: number; reason: string } | undefined {
      switch (cause) {
        case 'authRequired':
        case 'invalidCredentials':
          return { code: RUSTORIUM_CODES.invalidToken, reason: 'Invalid token' };
        case 'tooManyForKey':
        case 'tooManyFromAddress':
        case 'rate_limited':
          return { code: RUSTORIUM_CODES.rateLimited, reason: 'Rate limited' };
        default:
          return undefined;
      }
    },
  });
}

/** With the documented 30 s heartbeat. */
export const rustoriumDialect = createRustoriumDialect();
