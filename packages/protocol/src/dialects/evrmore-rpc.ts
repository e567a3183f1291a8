// evrmore-rpc 1.2.1 WebSocket dialect (reference/evrmore-rpc-websocket-protocol.md §2–§7): its client's commands,
// the simulator's ack/error shapes, and `{"type":…,"data":…}` events with the singular type names. Our additions
// (`since` on subscribe, `channel`/`epoch`/`seq` on events, `positions` on acks of `since` subscribes, `resync`
// notices) are extra keys and an extra type, which the evrmore-rpc client ignores.
import type { BusChannel } from '../channels.js';
import type { Envelope } from '../envelope.js';
import { ERROR } from '../codes.js';
import { decodeSince, encodePositions, type ResyncNotice, type StreamPosition } from '../positions.js';
import { channelsForTopic, MAX_TOPIC_LENGTH, parseTopic } from '../topics.js';
import type { ClientCommand, Dialect, SubscriptionAction } from './dialect.js';

/** A command is ~50 bytes; 16 KiB leaves room for any serializer's whitespace and still bounds JSON.parse. */
export const EVRMORE_RPC_MAX_COMMAND_BYTES = 16_384;

/** Longest echo of client input inside an error message, so error frames stay small whatever was sent. */
const MAX_ECHO_CHARS = MAX_TOPIC_LENGTH;

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

const utf8 = new TextDecoder('utf-8', { fatal: true });

function invalidJson(): ClientCommand {
  return { type: 'invalid', code: ERROR.invalidJson.code, message: ERROR.invalidJson.message(), reason: 'invalid_json' };
}

function bounded(text: string): string {
  return text.length <= MAX_ECHO_CHARS ? text : `${text.slice(0, MAX_ECHO_CHARS)}…`;
}

/** How Python's f-string would show the value: strings bare, anything else as JSON. */
function echo(value: unknown): string {
  if (typeof value === 'string') return bounded(value);
  return bounded(JSON.stringify(value) ?? String(value));
}

function frameText(frame: ArrayBuffer | string): string | undefined {
  if (typeof frame === 'string') return frame;
  try {
    return utf8.decode(frame);
  } catch {
    return undefined; // invalid UTF-8 is just another malformed frame: the caller answers 1004
  }
}

function decode(frame: ArrayBuffer | string, _isBinary: boolean): ClientCommand {
  // the evrmore-rpc client only sends text, but it accepts binary JSON from servers, so be as lenient inbound
  const size = typeof frame === 'string' ? frame.length : frame.byteLength;
  if (size > EVRMORE_RPC_MAX_COMMAND_BYTES) {
    return { type: 'invalid', code: ERROR.other.code, message: ERROR.other.message('frame too large'), reason: 'too_large' };
  }
  const text = frameText(frame);
  if (text === undefined) return invalidJson();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return invalidJson(); // expected outcome for garbage; counted by the edge
  }
  // upstream tests membership of both keys before anything else; extra keys are ignored (pydantic default)
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !Object.hasOwn(data, 'action') || !Object.hasOwn(data, 'topic')) {
    return { type: 'invalid', code: ERROR.other.code, message: ERROR.other.message('expected {"action", "topic"}'), reason: 'bad_command' };
  }
  const { action, topic } = data as { action: unknown; topic: unknown };
  if (action !== 'subscribe' && action !== 'unsubscribe') {
    return { type: 'invalid', code: ERROR.invalidAction.code, message: ERROR.invalidAction.message(echo(action)), reason: 'invalid_action' };
  }
  const parsed = parseTopic(topic);
  if (!parsed.ok) {
    if (parsed.error === 'TOPIC_TOO_LONG') {
      return { type: 'invalid', code: ERROR.topicTooLong.code, message: ERROR.topicTooLong.message(MAX_TOPIC_LENGTH), reason: 'topic_too_long' };
    }
    // the simulator answers an unsubscribe from a topic it does not know with "not subscribed"
    return action === 'subscribe'
      ? { type: 'invalid', code: ERROR.invalidTopic.code, message: ERROR.invalidTopic.message(echo(topic)), reason: 'invalid_topic' }
      : { type: 'invalid', code: ERROR.notSubscribed.code, message: ERROR.notSubscribed.message(echo(topic)), reason: 'not_subscribed' };
  }
  if (action === 'unsubscribe' || !Object.hasOwn(data, 'since')) return { type: action, topic: parsed.value, raw: topic as string };
  const since = decodeSince((data as { since: unknown }).since, channelsForTopic(parsed.value.kind));
  if (!since.ok) {
    const why = since.detail === undefined ? SINCE_ERRORS[since.error] : `${SINCE_ERRORS[since.error]}: ${since.detail}`;
    return { type: 'invalid', code: ERROR.invalidSince.code, message: ERROR.invalidSince.message(bounded(why)), reason: 'invalid_since' };
  }
  return { type: 'subscribe', topic: parsed.value, raw: topic as string, since: since.value };
}

const SINCE_ERRORS = {
  SINCE_SHAPE: 'expected "now", {"epoch","seq"} or {"<channel>":{"epoch","seq"}}',
  SINCE_EPOCH: 'epoch must be a short string',
  SINCE_SEQ: 'seq must be an integer >= 0',
  SINCE_CHANNEL: 'not a channel of this topic',
  SINCE_AMBIGUOUS: 'this topic spans several channels: give one position per channel',
} as const;

function encodeEvent(env: Envelope): string {
  const prefix = EVENT_PREFIXES.get(env.kind) ?? `{"type":${JSON.stringify(env.kind)},"channel":`;
  // the client's model requires the `data` key even when there is nothing to carry; the position keys come first
  // so the frame is still one splice of the untouched body
  return `${prefix}"${env.channel}","epoch":${JSON.stringify(env.epoch)},"seq":${env.seq},"data":${env.body.length === 0 ? 'null' : env.body}}`;
}

function encodeAck(action: SubscriptionAction, rawTopic: string, positions?: ReadonlyMap<BusChannel, StreamPosition>): string {
  const extra = positions === undefined ? '' : `,"positions":${encodePositions(positions)}`;
  return `{"type":"subscription","data":{"status":"success","topic":${JSON.stringify(rawTopic)},"action":"${action}"${extra}}}`;
}

function encodeResync(n: ResyncNotice): string {
  return `{"type":"resync","data":{"topic":${JSON.stringify(n.topic)},"channel":"${n.channel}","reason":"${n.reason}",`
    + `"subscribed":${n.subscribed},"epoch":${JSON.stringify(n.position.epoch)},"seq":${n.position.seq}}}`;
}

function encodeError(code: number, message: string): string {
  return `{"type":"error","data":{"code":${Math.trunc(code)},"message":${JSON.stringify(message)}}}`;
}

export const evrmoreRpcDialect: Dialect = Object.freeze({
  name: 'evrmore-rpc',
  binary: false,
  maxCommandBytes: EVRMORE_RPC_MAX_COMMAND_BYTES,
  decode,
  encodeEvent,
  encodeAck,
  encodeError,
  encodeResync,
});
