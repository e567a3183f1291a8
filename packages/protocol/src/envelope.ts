// Bus envelope codec. Wire form (UTF-8 text):  <header JSON>\n<body JSON>
// The header is small and parsed by every edge; the body is the client-facing JSON, serialized once by the
// ingestor and never parsed on the fan-out path. `ep` (epoch) and `sq` (seq) are assigned by the bus at
// publish time, atomically with the history append, so the publisher sends only the *tail* and the bus
// prepends `{"v":1,"ep":"<epoch>","sq":<seq>,`.
import { type Decoded, fail, ok } from './decoded.js';
import { type BusChannel, isBusChannel } from './channels.js';

export const ENVELOPE_VERSION = 1;
export const MAX_ENVELOPE_BYTES = 4 * 1024 * 1024;

/** Routing keys the ingestor attaches so edges route without parsing bodies. */
export interface RoutingKeys {
  /** addresses touched (inputs where known, outputs) */
  readonly a?: readonly string[];
  /** asset names touched */
  readonly as?: readonly string[];
  /** txid (for tx:<txid> topics) */
  readonly tx?: string;
}

/** What a publisher supplies; the bus adds epoch and seq. */
export interface OutgoingEnvelope {
  readonly channel: BusChannel;
  /** event kind, e.g. 'block', 'tx', 'asset', 'mempool', 'sequence', 'reorg' */
  readonly kind: string;
  /** ingest time, ms since epoch */
  readonly ts: number;
  readonly keys?: RoutingKeys;
  /** client-facing JSON, already serialized */
  readonly body: string;
}

export interface Envelope {
  readonly v: number;
  readonly channel: BusChannel;
  readonly epoch: string;
  readonly seq: number;
  readonly ts: number;
  readonly kind: string;
  readonly keys: RoutingKeys;
  readonly body: string;
  /** the whole wire form, as stored in history; lets edges forward without re-encoding */
  readonly wire: string;
}

/** The part of the wire form after the bus-assigned prefix: `"ch":..,"ts":..,"k":..,"r":{..}}\n<body>`. */
export function encodeEnvelopeTail(e: OutgoingEnvelope): string {
  const keys = e.keys === undefined ? '' : `,"r":${JSON.stringify(e.keys)}`;
  return `"ch":${JSON.stringify(e.channel)},"ts":${e.ts},"k":${JSON.stringify(e.kind)}${keys}}\n${e.body}`;
}

/** Mirrors what the Redis publish script does, for in-process buses and tests. */
export function composeWire(epoch: string, seq: number, tail: string): string {
  return `{"v":${ENVELOPE_VERSION},"ep":${JSON.stringify(epoch)},"sq":${seq},${tail}`;
}

export type EnvelopeDecodeError = 'ENV_TOO_LARGE' | 'ENV_NO_HEADER' | 'ENV_BAD_JSON' | 'ENV_BAD_FIELD' | 'ENV_VERSION';

/** Total: any string in, a coded failure out when it is not an envelope. Parses the header only. */
export function decodeEnvelope(wire: string): Decoded<Envelope, EnvelopeDecodeError> {
  if (wire.length > MAX_ENVELOPE_BYTES) return fail('ENV_TOO_LARGE');
  const nl = wire.indexOf('\n');
  if (nl <= 0) return fail('ENV_NO_HEADER');
  let h: unknown;
  try {
    h = JSON.parse(wire.slice(0, nl));
  } catch {
    return fail('ENV_BAD_JSON'); // expected outcome for garbage input; counted by the caller
  }
  if (typeof h !== 'object' || h === null) return fail('ENV_BAD_FIELD', 'header');
  const r = h as Record<string, unknown>;
  if (r['v'] !== ENVELOPE_VERSION) return fail('ENV_VERSION', String(r['v']));
  const ch = r['ch'], ep = r['ep'], sq = r['sq'], ts = r['ts'], k = r['k'], keys = r['r'];
  if (typeof ch !== 'string' || !isBusChannel(ch)) return fail('ENV_BAD_FIELD', 'ch');
  if (typeof ep !== 'string') return fail('ENV_BAD_FIELD', 'ep');
  if (typeof sq !== 'number' || !Number.isSafeInteger(sq) || sq < 1) return fail('ENV_BAD_FIELD', 'sq');
  if (typeof ts !== 'number') return fail('ENV_BAD_FIELD', 'ts');
  if (typeof k !== 'string') return fail('ENV_BAD_FIELD', 'k');
  if (keys !== undefined && (typeof keys !== 'object' || keys === null)) return fail('ENV_BAD_FIELD', 'r');
  return ok({
    v: ENVELOPE_VERSION,
    channel: ch,
    epoch: ep,
    seq: sq,
    ts,
    kind: k,
    keys: (keys ?? {}) as RoutingKeys,
    body: wire.slice(nl + 1),
    wire,
  });
}
