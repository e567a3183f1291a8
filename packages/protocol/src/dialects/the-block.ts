// The Block's WebSocket protocol (its published API): a welcome listing `available_streams`,
// `{"type":"subscribe"|"unsubscribe","stream"}` and `{"type":"ping"}`, answered with `subscribed`, `pong` and
// `{"type":"error","message"}`; stream messages are `{"type":<stream>,"data":…,"timestamp":<unix s>}`.
import { ERROR } from '../codes.js';
import type { Envelope } from '../envelope.js';
import type { ResyncNotice } from '../positions.js';
import type { Ack, ClientCommand, ClientError, ClientErrorReason, Dialect, Reply, Target } from './dialect.js';
import { bounded, echo, own, parseBody, parseFrame, unixSeconds } from './json-frame.js';
import { MARKETS_HEALTH_STREAM, networkMetrics, NETWORK_TOPIC, peersData, PEERS_TOPIC, RECEIPTS_STREAM } from './the-block-streams.js';

export const THE_BLOCK_MAX_COMMAND_BYTES = 4_096;

export const THE_BLOCK_STREAMS = ['network_metrics', 'markets_health', 'receipts', 'peers'] as const;

const TARGETS: Readonly<Record<(typeof THE_BLOCK_STREAMS)[number], Target>> = {
  network_metrics: { type: 'topic', topic: NETWORK_TOPIC },
  peers: { type: 'topic', topic: PEERS_TOPIC },
  receipts: { type: 'derived', stream: RECEIPTS_STREAM.name, variant: '' },
  markets_health: { type: 'derived', stream: MARKETS_HEALTH_STREAM.name, variant: '' },
};

const WELCOME_PREFIX = `{"type":"welcome","message":"Connected to The Block real-time data stream","available_streams":${JSON.stringify(THE_BLOCK_STREAMS)},"timestamp":`;

function error(reason: ClientErrorReason, message: string): ClientCommand {
  // `code` only feeds the edge's metrics and logs: The Block's error frame carries the message alone
  return { type: 'invalid', error: { reason, code: ERROR.other.code, message } };
}

function isStream(s: unknown): s is (typeof THE_BLOCK_STREAMS)[number] {
  return typeof s === 'string' && Object.hasOwn(TARGETS, s);
}

function decode(frame: ArrayBuffer | string, _isBinary: boolean): ClientCommand {
  const parsed = parseFrame(frame, THE_BLOCK_MAX_COMMAND_BYTES);
  if (!parsed.ok) {
    if (parsed.error === 'too_large') return error('too_large', 'Message too large');
    if (parsed.error === 'too_deep') return error('too_deep', 'Invalid message format');
    if (parsed.error === 'invalid_json') return error('invalid_json', 'Invalid JSON');
    return error('bad_command', 'Invalid message format');
  }
  const type = own(parsed.value, 'type');
  switch (type) {
    case 'subscribe':
    case 'unsubscribe': {
      const stream = own(parsed.value, 'stream');
      if (!isStream(stream)) return error('invalid_topic', 'Invalid stream name');
      return { type, target: TARGETS[stream], raw: stream };
    }
    case 'ping':
      return { type: 'ping' };
    default:
      return error('invalid_action', `Unknown message type: ${echo(type)}`);
  }
}

function encodeEvent(env: Envelope): string | undefined {
  if (env.channel !== 'ctl' || (env.kind !== 'network' && env.kind !== 'peers')) return undefined;
  const b = parseBody(env.body);
  if (b === undefined) return undefined;
  const type = env.kind === 'network' ? 'network_metrics' : 'peers';
  const data = env.kind === 'network' ? networkMetrics(b) : peersData(b);
  return JSON.stringify({ type, data, timestamp: unixSeconds(env.ts) });
}

function encodeAck(a: Ack): string {
  return `{"type":"${a.action === 'subscribe' ? 'subscribed' : 'unsubscribed'}","stream":${JSON.stringify(a.raw)},"timestamp":${unixSeconds(a.nowMs)}}`;
}

function encodeError(e: ClientError): string {
  return `{"type":"error","message":${JSON.stringify(bounded(e.message))}}`;
}

/** Every stream is a periodic snapshot: a lost one is replaced by the next, so there is nothing to tell. */
function encodeResync(_n: ResyncNotice): undefined {
  return undefined;
}

function encodeReply(r: Reply): string {
  switch (r.type) {
    case 'pong':
      return `{"type":"pong","timestamp":${unixSeconds(r.nowMs)}}`;
    case 'status':
    case 'rpc':
      return `{"type":"error","message":"Unsupported request"}`; // never decoded by this dialect
  }
}

export const theBlockDialect: Dialect = Object.freeze<Dialect>({
  name: 'theblock',
  binary: false,
  positions: false,
  maxCommandBytes: THE_BLOCK_MAX_COMMAND_BYTES,
  derived: new Map([[RECEIPTS_STREAM.name, RECEIPTS_STREAM], [MARKETS_HEALTH_STREAM.name, MARKETS_HEALTH_STREAM]]),
  decode,
  encodeEvent,
  encodeAck,
  encodeError,
  encodeResync,
  encodeReply,
  encodeWelcome: (nowMs: number) => `${WELCOME_PREFIX}${unixSeconds(nowMs)}}`,
});
