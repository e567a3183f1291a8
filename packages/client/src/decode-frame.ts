// Total decoder for server frames (untrusted bytes): JSON text or UTF-8 binary → ChainfanMessage, never throws.
import { type Decoded, fail, ok } from '@chainfan/protocol';
import type { ChainfanMessage, KnownMessageType, ResyncData } from './messages.js';

/** Sanity bound on one frame, in UTF-16 units; evrmore-rpc peers cap frames at 1 MiB, big blocks may exceed it. */
export const MAX_FRAME_CHARS = 8 * 1024 * 1024;

export type FrameError =
  | 'FRAME_TOO_LARGE'
  | 'FRAME_UNSUPPORTED'
  | 'FRAME_NOT_UTF8'
  | 'FRAME_NOT_JSON'
  | 'FRAME_NOT_OBJECT'
  | 'FRAME_NO_TYPE'
  | 'FRAME_NO_DATA'
  | 'FRAME_BAD_DATA';

type Obj = Readonly<Record<string, unknown>>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Obj, k: string): boolean => typeof o[k] === 'string';
const num = (o: Obj, k: string): boolean => typeof o[k] === 'number' && Number.isFinite(o[k]);

/** The fields that identify each typed message; a known `type` whose data lacks them is FRAME_BAD_DATA. */
const CHECKS: Readonly<Record<KnownMessageType, (d: Obj) => boolean>> = {
  block: (d) => str(d, 'hash') && num(d, 'height'),
  transaction: (d) => str(d, 'txid'),
  asset: (d) => str(d, 'txid') && str(d, 'asset'),
  mempool: (d) => num(d, 'size'),
  sequence: (d) => num(d, 'sequence') && str(d, 'hash'),
  subscription: (d) => str(d, 'topic') && str(d, 'status') && (d['action'] === 'subscribe' || d['action'] === 'unsubscribe'),
  error: (d) => Number.isInteger(d['code']) && str(d, 'message'),
};

const isKnown = (t: string): t is KnownMessageType => Object.hasOwn(CHECKS, t);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Accepts what WebSocket implementations deliver: a string (text frame), ArrayBuffer or a view such as Buffer. */
export function frameText(raw: unknown): Decoded<string, FrameError> {
  if (typeof raw === 'string') return raw.length > MAX_FRAME_CHARS ? fail('FRAME_TOO_LARGE') : ok(raw);
  let bytes: Uint8Array;
  if (raw instanceof ArrayBuffer) bytes = new Uint8Array(raw);
  else if (ArrayBuffer.isView(raw)) bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  else return fail('FRAME_UNSUPPORTED');
  if (bytes.byteLength > MAX_FRAME_CHARS) return fail('FRAME_TOO_LARGE');
  try {
    return ok(utf8.decode(bytes));
  } catch {
    return fail('FRAME_NOT_UTF8'); // TextDecoder's only failure under fatal: malformed UTF-8
  }
}

export function decodeServerFrame(raw: unknown): Decoded<ChainfanMessage, FrameError> {
  const text = frameText(raw);
  if (!text.ok) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.value);
  } catch {
    return fail('FRAME_NOT_JSON'); // JSON.parse's only failure: a SyntaxError on malformed text
  }
  if (!isObj(parsed)) return fail('FRAME_NOT_OBJECT');
  const type = parsed['type'];
  if (typeof type !== 'string' || type.length === 0) return fail('FRAME_NO_TYPE');
  if (!Object.hasOwn(parsed, 'data')) return fail('FRAME_NO_DATA', type);
  const data = parsed['data'];
  const pos = position(parsed);
  if (!isKnown(type)) return ok({ type: 'unknown', wireType: type, data, ...pos });
  if (!isObj(data) || !CHECKS[type](data)) return fail('FRAME_BAD_DATA', type);
  // the check above established the identifying fields; the rest is as the server sent it (messages.ts)
  return ok({ type, data, ...pos } as unknown as ChainfanMessage);
}

/** The stream position keys of an event frame, when all three are there and well-typed. */
function position(o: Obj): { channel: string; epoch: string; seq: number } | Record<string, never> {
  const { channel, epoch, seq } = o as { channel?: unknown; epoch?: unknown; seq?: unknown };
  if (typeof channel !== 'string' || typeof epoch !== 'string' || typeof seq !== 'number' || !Number.isSafeInteger(seq)) return {};
  return { channel, epoch, seq };
}

/** The notice's fields, or undefined when a `resync` frame is not shaped like one. */
export function resyncData(data: unknown): ResyncData | undefined {
  if (!isObj(data)) return undefined;
  const d = data;
  if (!str(d, 'topic') || !str(d, 'channel') || !str(d, 'reason') || typeof d['subscribed'] !== 'boolean' || !str(d, 'epoch') || !Number.isSafeInteger(d['seq'])) {
    return undefined;
  }
  return d as unknown as ResyncData;
}
