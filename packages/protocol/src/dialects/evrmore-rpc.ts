// evrmore-rpc 1.2.1 WebSocket dialect (reference/evrmore-rpc-websocket-protocol.md §2–§7): its client's commands,
// the simulator's ack/error shapes, and `{"type":…,"data":…}` events with the singular type names.
import type { Envelope } from '../envelope.js';
import { ERROR } from '../codes.js';
import { MAX_TOPIC_LENGTH, parseTopic } from '../topics.js';
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
  [...EVENT_TYPES].map(([kind, type]) => [kind, `{"type":${JSON.stringify(type)},"data":`]),
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
    // the simulator answers an unsubscribe from a topic it does not know with "not subscribed"
    return action === 'subscribe'
      ? { type: 'invalid', code: ERROR.invalidTopic.code, message: ERROR.invalidTopic.message(echo(topic)), reason: 'invalid_topic' }
      : { type: 'invalid', code: ERROR.notSubscribed.code, message: ERROR.notSubscribed.message(echo(topic)), reason: 'not_subscribed' };
  }
  return { type: action, topic: parsed.value, raw: topic as string };
}

function encodeEvent(env: Envelope): string {
  const prefix = EVENT_PREFIXES.get(env.kind) ?? `{"type":${JSON.stringify(env.kind)},"data":`;
  // the client's model requires the `data` key even when there is nothing to carry
  return `${prefix}${env.body.length === 0 ? 'null' : env.body}}`;
}

function encodeAck(action: SubscriptionAction, rawTopic: string): string {
  return `{"type":"subscription","data":{"status":"success","topic":${JSON.stringify(rawTopic)},"action":"${action}"}}`;
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
});
