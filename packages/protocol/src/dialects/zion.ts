// ZION's WebSocket protocol (its published API): a `welcome`, `{"type":"subscribe","channels":[…]}`,
// `{"type":"ping"}` → `pong`, `{"type":"get_status"}` → `status`; chain events and admin broadcasts arrive as
// `{"type":"event","event_type",…}`, node metrics as periodic `metrics_update` (every connection gets those two
// without asking). Its HTTP JSON-RPC side (subscribe_events, get_websocket_status, broadcast_event) lives in the edge.
import { ERROR } from '../codes.js';
import type { Envelope } from '../envelope.js';
import type { ResyncNotice } from '../positions.js';
import { builtinTopic, type Topic } from '../topics.js';
import type { Ack, ClientCommand, ClientError, ClientErrorReason, DerivedOutput, DerivedStream, Dialect, Reply, Target } from './dialect.js';
import { bounded, echo, type JsonObject, num, numOrNull, own, parseBody, parseFrame, str, unixSeconds } from './json-frame.js';

export const ZION_MAX_COMMAND_BYTES = 4_096;
/** Channels named in one subscribe; each becomes one subscription with its own answer. */
const MAX_CHANNELS_PER_REQUEST = 32;

const topic = builtinTopic;

/** ZION channel → canonical topic, and the `event_type` its events carry. */
const TOPIC_CHANNELS: ReadonlyMap<string, { readonly topic: Topic; readonly kind: string; readonly eventType: string }> = new Map([
  ['blockchain', { topic: topic('blocks'), kind: 'block', eventType: 'new_block' }],
  ['transactions', { topic: topic('transactions'), kind: 'tx', eventType: 'new_transaction' }],
  ['mempool', { topic: topic('mempool'), kind: 'mempool', eventType: 'mempool_update' }],
  ['assets', { topic: topic('assets'), kind: 'asset', eventType: 'asset_event' }],
  ['reorgs', { topic: topic('reorgs'), kind: 'reorg', eventType: 'chain_reorg' }],
  ['peers', { topic: topic('peers'), kind: 'peers', eventType: 'peers_update' }],
]);

/** env.kind → the spliced prefix of its event frame (`"data"` last, so the body goes in untouched). */
const EVENT_PREFIXES: ReadonlyMap<string, string> = new Map(
  [...TOPIC_CHANNELS].map(([channel, c]) => [c.kind, `{"type":"event","event_type":"${c.eventType}","channel":"${channel}","timestamp":`]),
);

/** Evrmore's block subsidy: 2,778 EVR, halved every 1,648,776 blocks (consensus baseReward, rewardReductionInterval). */
const BASE_REWARD_EVR = 2_778;
const HALVING_INTERVAL = 1_648_776;

/** `block_found.reward`: the subsidy a block at `height` pays its miner, in EVR (fees are not in a block's summary). */
export function blockReward(height: number): number {
  const halvings = Math.floor(Math.max(0, height) / HALVING_INTERVAL);
  return halvings >= 64 ? 0 : BASE_REWARD_EVR / 2 ** halvings;
}

/** `mining`: every new block as a `block_found` event (what ZION's pool broadcasts), derived from the blocks channel. */
const MINING_STREAM: DerivedStream = Object.freeze<DerivedStream>({
  name: 'mining',
  channels: ['blocks'],
  aclTopics: [topic('blocks')],
  create: () => ({
    add(env: Envelope, out: DerivedOutput): void {
      if (env.kind !== 'block' || !out.wants('')) return;
      const b = parseBody(env.body);
      if (b === undefined) return;
      const height = num(b['height'], 0);
      const data = {
        height, hash: str(b['hash'], ''), reward: blockReward(height), time: num(b['time'], 0), difficulty: num(b['difficulty'], 0),
        tx_count: Array.isArray(b['tx']) ? b['tx'].length : 0,
      };
      out.emit('', JSON.stringify({ type: 'event', event_type: 'block_found', channel: 'mining', data, timestamp: unixSeconds(env.ts) }));
    },
  }),
});

/**
 * Admin broadcasts (`broadcast_event` over HTTP): the edge that took the call publishes `{event_type, data,
 * timestamp}` on the `ctl` channel, and every edge splices it into an `event` frame for all its ZION sockets.
 */
const EVENTS_STREAM: DerivedStream = Object.freeze<DerivedStream>({
  name: 'events',
  channels: ['ctl'],
  aclTopics: [],
  create: () => ({
    add(env: Envelope, out: DerivedOutput): void {
      if (env.kind !== 'broadcast' || !env.body.startsWith('{"event_type":') || !out.wants('')) return;
      out.emit('', `{"type":"event",${env.body.slice(1)}`);
    },
  }),
});

export const ZION_CHANNELS: readonly string[] = [...TOPIC_CHANNELS.keys(), MINING_STREAM.name];

const WELCOME_PREFIX = `{"type":"welcome","server":{"name":"chainfan","protocol":"zion-websocket"},"message":"Connected to chainfan (ZION WebSocket protocol)","channels":${JSON.stringify(ZION_CHANNELS)},"timestamp":`;

/** What a ZION channel name subscribes to, or undefined. */
export function zionChannelTarget(channel: string): Target | undefined {
  const c = TOPIC_CHANNELS.get(channel);
  if (c !== undefined) return { type: 'topic', topic: c.topic };
  return channel === MINING_STREAM.name ? { type: 'derived', stream: MINING_STREAM.name, variant: '' } : undefined;
}

function error(reason: ClientErrorReason, code: number, message: string): ClientCommand {
  return { type: 'invalid', error: { reason, code, message } };
}

function channelCommands(type: 'subscribe' | 'unsubscribe', channels: unknown): ClientCommand {
  const list = typeof channels === 'string' ? [channels] : channels;
  if (!Array.isArray(list) || list.length === 0) return error('bad_command', ERROR.other.code, 'channels must be a non-empty list of channel names');
  if (list.length > MAX_CHANNELS_PER_REQUEST) return error('bad_command', ERROR.other.code, `at most ${MAX_CHANNELS_PER_REQUEST} channels per request`);
  const commands = list.map((c): ClientCommand => {
    const target = typeof c === 'string' ? zionChannelTarget(c) : undefined;
    if (target === undefined) return error('invalid_topic', ERROR.invalidTopic.code, `Unknown channel: ${echo(c)}`);
    return { type, target, raw: c as string };
  });
  return commands.length === 1 ? commands[0]! : { type: 'batch', commands };
}

function decode(frame: ArrayBuffer | string, _isBinary: boolean): ClientCommand {
  const parsed = parseFrame(frame, ZION_MAX_COMMAND_BYTES);
  if (!parsed.ok) {
    if (parsed.error === 'too_large') return error('too_large', ERROR.other.code, 'Message too large');
    if (parsed.error === 'too_deep') return error('too_deep', ERROR.other.code, 'Invalid message format');
    if (parsed.error === 'invalid_json') return error('invalid_json', ERROR.invalidJson.code, 'Invalid JSON');
    return error('bad_command', ERROR.other.code, 'Invalid message format');
  }
  const m = parsed.value;
  const type = own(m, 'type');
  switch (type) {
    case 'ping':
      return { type: 'ping' };
    case 'get_status':
      return { type: 'status' };
    case 'subscribe':
    case 'unsubscribe':
      return channelCommands(type, Object.hasOwn(m, 'channels') ? own(m, 'channels') : own(m, 'channel'));
    default:
      return error('invalid_action', ERROR.invalidAction.code, `Unknown message type: ${echo(type)}`);
  }
}

function metricsData(n: JsonObject): Record<string, unknown> {
  const difficulty = num(n['difficulty'], 0);
  const height = num(n['height'], 0);
  const interval = numOrNull(n['block_interval_s']);
  return {
    blockchain: { height, best_block_hash: str(n['best_block_hash'], ''), difficulty, block_interval_s: interval, tps: num(n['tps'], 0) },
    mempool: { size: num(n['mempool_size'], 0), bytes: num(n['mempool_bytes'], 0) },
    network: { connections: num(n['connections'], 0), chain: str(n['network'], ''), subversion: str(n['subversion'], '') },
    mining: { height, difficulty, block_interval_s: interval },
  };
}

function encodeEvent(env: Envelope): string | undefined {
  if (env.kind === 'network' && env.channel === 'ctl') {
    const b = parseBody(env.body);
    return b === undefined ? undefined : JSON.stringify({ type: 'metrics_update', data: metricsData(b), timestamp: unixSeconds(env.ts) });
  }
  const prefix = EVENT_PREFIXES.get(env.kind);
  if (prefix === undefined) return undefined;
  return `${prefix}${unixSeconds(env.ts)},"data":${env.body.length === 0 ? 'null' : env.body}}`;
}

function encodeAck(a: Ack): string {
  return `{"type":"${a.action === 'subscribe' ? 'subscribed' : 'unsubscribed'}","channels":[${JSON.stringify(a.raw)}],"timestamp":${unixSeconds(a.nowMs)}}`;
}

function encodeError(e: ClientError): string {
  return `{"type":"error","code":${Math.trunc(e.code)},"message":${JSON.stringify(bounded(e.message))}}`;
}

function encodeResync(_n: ResyncNotice): undefined {
  return undefined; // ZION clients have no notion of positions; a lost event cannot be asked for again
}

function encodeReply(r: Reply): string {
  switch (r.type) {
    case 'pong':
      return `{"type":"pong","timestamp":${unixSeconds(r.nowMs)}}`;
    case 'status': {
      const n = r.status.network === undefined ? undefined : parseBody(r.status.network);
      const data = {
        server_running: true,
        websocket_enabled: true,
        connected_clients: r.status.connections,
        edges: r.status.edges,
        subscriptions: r.status.subscriptions,
        ...(n === undefined ? { blockchain: null } : metricsData(n)),
      };
      return JSON.stringify({ type: 'status', data, timestamp: unixSeconds(r.nowMs) });
    }
    case 'rpc':
      return '{"type":"error","code":1005,"message":"Unsupported request"}'; // never decoded by this dialect
  }
}

export const ZION_EVENTS_TARGET: Target = { type: 'derived', stream: EVENTS_STREAM.name, variant: '' };

export const zionDialect: Dialect = Object.freeze<Dialect>({
  name: 'zion',
  binary: false,
  positions: false,
  maxCommandBytes: ZION_MAX_COMMAND_BYTES,
  derived: new Map([[MINING_STREAM.name, MINING_STREAM], [EVENTS_STREAM.name, EVENTS_STREAM]]),
  implicit: [{ type: 'topic', topic: topic('network') }, ZION_EVENTS_TARGET],
  decode,
  encodeEvent,
  encodeAck,
  encodeError,
  encodeResync,
  encodeReply,
  encodeWelcome: (nowMs: number) => `${WELCOME_PREFIX}${unixSeconds(nowMs)}}`,
});
