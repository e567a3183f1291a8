// The evrmore-rpc wire protocol (reference/evrmore-rpc-websocket-protocol.md §2–§7) as a dialect factory: its client's
// `{"action","topic"}` frames, the documented `{"command","params"}` messages, the simulator's ack/error shapes, and
// `{"type":…,"data":…}` events with the singular type names. Our additions (`since` on subscribe, `channel`/`epoch`/
// `seq` on events, `positions` on acks of `since` subscribes, `resync` notices, `result` answers) are extra keys and
// extra types, which the evrmore-rpc client ignores. With `requestIds` (the native chainfan dialect) every answer
// echoes the request's `id` and `{"action":"ping"}` is answered.
import { ERROR } from '../codes.js';
import { decodeResume, encodePositions, type ResyncNotice } from '../positions.js';
import { channelsForTopic, MAX_TOPIC_LENGTH, parseTopic } from '../topics.js';
import type { Ack, ClientCommand, ClientError, Dialect, Reply, RequestRef } from './dialect.js';
import { documentedExtras, withExtras } from './evrmore-fields.js';
import { bounded, echo, type JsonObject, own, parseFrame, refField, requestRef } from './json-frame.js';

/** A command is ~50 bytes; 16 KiB leaves room for any serializer's whitespace and RPC params, and bounds JSON.parse. */
export const EVRMORE_RPC_MAX_COMMAND_BYTES = 16_384;

/** env.kind → the evrmore-rpc `type`; kinds not listed go out under their own name. */
const EVENT_TYPES: ReadonlyMap<string, string> = new Map([
  ['block', 'block'],
  ['tx', 'transaction'],
  ['asset', 'asset'],
  ['mempool', 'mempool'],
  ['sequence', 'sequence'],
]);

const EVENT_PREFIXES: ReadonlyMap<string, string> = new Map(
  [...EVENT_TYPES].map(([kind, type]) => [kind, `{"type":${JSON.stringify(type)},"channel":`]),
);

/** Node RPC method names are lower-case words; anything else is not a method and is refused unparsed. */
const METHOD_RE = /^[a-z][a-z0-9_]{0,63}$/;

const SINCE_ERRORS = {
  SINCE_SHAPE: 'expected "now", {"epoch","seq"}, {"height","hash"} or {"<channel>":{"epoch","seq"}}',
  SINCE_EPOCH: 'epoch must be a short string',
  SINCE_SEQ: 'seq must be an integer >= 0',
  SINCE_CHANNEL: 'not a channel of this topic',
  SINCE_AMBIGUOUS: 'this topic spans several channels: give one position per channel',
  SINCE_HEIGHT: 'height must be an integer >= 0',
  SINCE_HASH: 'hash must be 64 hex digits',
  SINCE_BLOCK_TOPIC: 'a block position needs a topic that carries blocks (blocks, all)',
} as const;

export interface EvrmoreCodecOptions {
  readonly name: string;
  /** echo `id` in every answer and answer `{"action":"ping"}` (the native protocol) */
  readonly requestIds: boolean;
  /** add the fields evrmore-rpc's documented message models show beyond the node's JSON (evrmore-fields.ts) */
  readonly documentedFields?: boolean;
  /** WebSocket pings at this period (evrmore-rpc's server: `ping_interval`, 20 s by default); absent: none */
  readonly pingIntervalMs?: number;
}

function invalid(error: ClientError, ref: RequestRef): ClientCommand {
  return ref === undefined ? { type: 'invalid', error } : { type: 'invalid', error, ref };
}

const other = (message: string, reason: 'too_large' | 'too_deep' | 'bad_command'): ClientError => ({ reason, code: ERROR.other.code, message: ERROR.other.message(message) });

export function createEvrmoreDialect(opts: EvrmoreCodecOptions): Dialect {
  const withRef = <T extends object>(cmd: T, ref: RequestRef): T => (ref === undefined ? cmd : { ...cmd, ref });

  function decodeSubscription(data: JsonObject, ref: RequestRef): ClientCommand {
    const action = own(data, 'action');
    const topic = own(data, 'topic');
    if (action !== 'subscribe' && action !== 'unsubscribe') {
      return invalid({ reason: 'invalid_action', code: ERROR.invalidAction.code, message: ERROR.invalidAction.message(echo(action)) }, ref);
    }
    const parsed = parseTopic(topic);
    if (!parsed.ok) {
      if (parsed.error === 'TOPIC_TOO_LONG') {
        return invalid({ reason: 'topic_too_long', code: ERROR.topicTooLong.code, message: ERROR.topicTooLong.message(MAX_TOPIC_LENGTH) }, ref);
      }
      // the simulator answers an unsubscribe from a topic it does not know with "not subscribed"
      return action === 'subscribe'
        ? invalid({ reason: 'invalid_topic', code: ERROR.invalidTopic.code, message: ERROR.invalidTopic.message(echo(topic)) }, ref)
        : invalid({ reason: 'not_subscribed', code: ERROR.notSubscribed.code, message: ERROR.notSubscribed.message(echo(topic)) }, ref);
    }
    const target = { type: 'topic', topic: parsed.value } as const;
    const raw = topic as string;
    if (action === 'unsubscribe' || !Object.hasOwn(data, 'since')) return withRef({ type: action, target, raw }, ref);
    const resume = decodeResume(own(data, 'since'), channelsForTopic(parsed.value.kind));
    if (!resume.ok) {
      const why = resume.detail === undefined ? SINCE_ERRORS[resume.error] : `${SINCE_ERRORS[resume.error]}: ${resume.detail}`;
      return invalid({ reason: 'invalid_since', code: ERROR.invalidSince.code, message: ERROR.invalidSince.message(bounded(why)) }, ref);
    }
    const { since, block } = resume.value;
    return withRef(block === undefined ? { type: 'subscribe', target, raw, since } : { type: 'subscribe', target, raw, since, block }, ref);
  }

  function decodeCommand(data: JsonObject, ref: RequestRef): ClientCommand {
    const method = own(data, 'command');
    if (typeof method !== 'string' || !METHOD_RE.test(method)) return invalid(other('command must be an RPC method name', 'bad_command'), ref);
    const params = Object.hasOwn(data, 'params') ? own(data, 'params') : [];
    if (!Array.isArray(params)) return invalid(other('params must be an array', 'bad_command'), ref);
    return withRef({ type: 'rpc', method, params }, ref);
  }

  function decode(frame: ArrayBuffer | string, _isBinary: boolean): ClientCommand {
    // the evrmore-rpc client only sends text, but it accepts binary JSON from servers, so be as lenient inbound
    const parsed = parseFrame(frame, EVRMORE_RPC_MAX_COMMAND_BYTES);
    if (!parsed.ok) {
      if (parsed.error === 'too_large') return invalid(other('frame too large', 'too_large'), undefined);
      if (parsed.error === 'too_deep') return invalid(other('JSON nested too deeply', 'too_deep'), undefined);
      if (parsed.error === 'invalid_json') return invalid({ reason: 'invalid_json', code: ERROR.invalidJson.code, message: ERROR.invalidJson.message() }, undefined);
      return invalid(other('expected {"action", "topic"}', 'bad_command'), undefined);
    }
    const data = parsed.value;
    const ref = opts.requestIds ? requestRef(own(data, 'id')) : undefined;
    // upstream tests membership of both keys before anything else; extra keys are ignored (pydantic default)
    if (Object.hasOwn(data, 'action') && Object.hasOwn(data, 'topic')) return decodeSubscription(data, ref);
    if (Object.hasOwn(data, 'command')) return decodeCommand(data, ref);
    if (opts.requestIds && own(data, 'action') === 'ping') return withRef({ type: 'ping' }, ref);
    return invalid(other('expected {"action", "topic"}', 'bad_command'), ref);
  }

  function encodeEvent(env: Parameters<Dialect['encodeEvent']>[0]): string {
    const prefix = EVENT_PREFIXES.get(env.kind) ?? `{"type":${JSON.stringify(env.kind)},"channel":`;
    // the client's model requires the `data` key even when there is nothing to carry; the position keys come first
    // so the frame is one splice of the body (blocks and transactions parsed once more, for the documented counts)
    const body = env.body.length === 0 ? 'null' : opts.documentedFields === true ? withExtras(env.body, documentedExtras(env)) : env.body;
    return `${prefix}"${env.channel}","epoch":${JSON.stringify(env.epoch)},"seq":${env.seq},"data":${body}}`;
  }

  function encodeNodeEvent(kind: 'block' | 'reorg', body: string): string {
    // no channel/epoch/seq: the message comes from the node, not from a bus channel; `source` says so
    const extras = kind === 'block' && opts.documentedFields === true
      ? documentedExtras({ v: 1, channel: 'blocks', epoch: '', seq: 1, ts: 0, kind, keys: {}, body, wire: '' })
      : '';
    return `{"type":"${kind}","source":"node","data":${extras === '' ? body : withExtras(body, extras)}}`;
  }

  function encodeAck(a: Ack): string {
    const extra = a.positions === undefined ? '' : `,"positions":${encodePositions(a.positions)}`;
    const ref = opts.requestIds ? refField(a.ref) : '';
    return `{"type":"subscription",${ref}"data":{"status":"success","topic":${JSON.stringify(a.raw)},"action":"${a.action}"${extra}}}`;
  }

  function encodeError(e: ClientError, ref: RequestRef): string {
    return `{"type":"error",${opts.requestIds ? refField(ref) : ''}"data":{"code":${Math.trunc(e.code)},"message":${JSON.stringify(e.message)}}}`;
  }

  function encodeResync(n: ResyncNotice): string {
    return `{"type":"resync","data":{"topic":${JSON.stringify(n.topic)},"channel":"${n.channel}","reason":"${n.reason}",`
      + `"subscribed":${n.subscribed},"epoch":${JSON.stringify(n.position.epoch)},"seq":${n.position.seq}}}`;
  }

  function encodeReply(r: Reply): string {
    const ref = opts.requestIds ? refField(r.ref) : '';
    switch (r.type) {
      case 'pong':
        return `{"type":"pong",${ref}"data":{"timestamp":${r.nowMs}}}`;
      case 'rpc':
        return `{"type":"result",${ref}"data":{"command":${JSON.stringify(r.method)},"params":${JSON.stringify(r.params)},"result":${r.result}}}`;
      case 'status':
        return `{"type":"status",${ref}"data":{"connections":${r.status.connections},"edges":${r.status.edges},`
          + `"subscriptions":${JSON.stringify(r.status.subscriptions)},"network":${r.status.network ?? 'null'}}}`;
    }
  }

  return Object.freeze<Dialect>({
    name: opts.name,
    binary: false,
    positions: true,
    maxCommandBytes: EVRMORE_RPC_MAX_COMMAND_BYTES,
    ...(opts.pingIntervalMs === undefined ? {} : { pingIntervalMs: opts.pingIntervalMs }),
    decode,
    encodeEvent,
    encodeNodeEvent,
    encodeAck,
    encodeError,
    encodeResync,
    encodeReply,
  });
}
