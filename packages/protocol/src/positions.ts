// Stream positions as clients see them: (epoch, seq) of one bus channel, carried by event frames, asked for with
// `since` on subscribe, reported in acks and in `resync` notices (docs/decisions/0008).
import { baseChannel, BUS_CHANNELS, type BusChannel, isBusChannel, MAX_TXS_PARTITIONS } from './channels.js';
import { type Decoded, fail, ok } from './decoded.js';

/** After which message of a channel a stream stands: everything with this epoch and a seq ≤ `seq` is behind it. */
export interface StreamPosition {
  readonly epoch: string;
  readonly seq: number;
}

/**
 * Before the first message of whatever epoch is current. Reported for channels nothing was ever published on, and
 * accepted in `since` to mean "replay from the start of history".
 */
export const START_POSITION: StreamPosition = Object.freeze({ epoch: '', seq: 0 });

/** Per bus channel of a topic: a position to recover from, or undefined for "live from now". */
export type Since = ReadonlyMap<BusChannel, StreamPosition | undefined>;

export type SinceError =
  | 'SINCE_SHAPE' | 'SINCE_EPOCH' | 'SINCE_SEQ' | 'SINCE_CHANNEL' | 'SINCE_AMBIGUOUS' | 'SINCE_HEIGHT' | 'SINCE_HASH' | 'SINCE_BLOCK_TOPIC';

/**
 * A block of the chain, by height and hash: the anchor of a chain-anchored resume (`since` a block), which survives
 * what a bus position cannot (an epoch change, trimmed history) because the node is asked, not Redis.
 */
export interface BlockPosition {
  readonly height: number;
  /** 64 lower-case hex digits, as the node spells block hashes */
  readonly hash: string;
}

/** What a subscribe's `since` asks for: bus positions per channel, and possibly a block for the `blocks` channel. */
export interface Resume {
  readonly since: Since;
  /** present: the `blocks` channel resumes after this block (its entry in `since` is then undefined) */
  readonly block?: BlockPosition;
}

/** Bus epochs are Redis TIME digits or 16 hex chars; anything longer or odder is not one of ours. */
const EPOCH_RE = /^[0-9A-Za-z._-]{0,64}$/;

/** Total: `{"epoch":E,"seq":N}` with a short plain epoch and 0 ≤ N ≤ 2^53-1. Other keys are ignored. */
export function decodePosition(raw: unknown): Decoded<StreamPosition, SinceError> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('SINCE_SHAPE');
  const epoch = Object.hasOwn(raw, 'epoch') ? (raw as { epoch: unknown }).epoch : undefined;
  const seq = Object.hasOwn(raw, 'seq') ? (raw as { seq: unknown }).seq : undefined;
  if (typeof epoch !== 'string' || !EPOCH_RE.test(epoch)) return fail('SINCE_EPOCH');
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return fail('SINCE_SEQ');
  return ok({ epoch, seq });
}

const HASH_RE = /^[0-9a-fA-F]{64}$/;

/** Whether `raw` is meant as a block position: an object with `height` or `hash` (never keys of any other form). */
function looksLikeBlock(raw: unknown): raw is object {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && (Object.hasOwn(raw, 'height') || Object.hasOwn(raw, 'hash'));
}

/** Total: `{"height":H,"hash":"<64 hex>"}` with 0 ≤ H ≤ 2^31; an `epoch` or `seq` beside them is ambiguous, refused. */
export function decodeBlockPosition(raw: unknown): Decoded<BlockPosition, SinceError> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('SINCE_SHAPE');
  if (Object.hasOwn(raw, 'epoch') || Object.hasOwn(raw, 'seq')) return fail('SINCE_SHAPE', 'both a block and a bus position');
  const height = Object.hasOwn(raw, 'height') ? (raw as { height: unknown }).height : undefined;
  const hash = Object.hasOwn(raw, 'hash') ? (raw as { hash: unknown }).hash : undefined;
  if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 0 || height > 2 ** 31) return fail('SINCE_HEIGHT');
  if (typeof hash !== 'string' || !HASH_RE.test(hash)) return fail('SINCE_HASH');
  return ok({ height, hash: hash.toLowerCase() });
}

/**
 * Total: a subscribe's `since` with chain-anchored resume. Besides decodeSince's forms, for topics that read the
 * `blocks` channel:
 *   {"height":H,"hash":X}                    after that block (the topic's other channels start live)
 *   {"blocks":{"height":H,"hash":X}, "<channel>": {"epoch":E,"seq":N} | "now", …}
 */
export function decodeResume(raw: unknown, channels: readonly BusChannel[]): Decoded<Resume, SinceError> {
  const carriesBlocks = channels.includes('blocks');
  if (looksLikeBlock(raw)) {
    if (!carriesBlocks) return fail('SINCE_BLOCK_TOPIC');
    const b = decodeBlockPosition(raw);
    return b.ok ? ok({ since: new Map(channels.map((c) => [c, undefined])), block: b.value }) : b;
  }
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.hasOwn(raw, 'blocks')) {
    const v = (raw as { blocks: unknown }).blocks;
    if (looksLikeBlock(v)) {
      if (!carriesBlocks) return fail('SINCE_CHANNEL', 'blocks');
      const b = decodeBlockPosition(v);
      if (!b.ok) return b;
      const rest: Record<string, unknown> = {};
      for (const k of Object.keys(raw)) if (k !== 'blocks') rest[k] = (raw as Record<string, unknown>)[k];
      const since = decodeSince(rest, channels);
      return since.ok ? ok({ since: since.value, block: b.value }) : since;
    }
  }
  const since = decodeSince(raw, channels);
  return since.ok ? ok({ since: since.value }) : since;
}

/**
 * Total: the `since` of a subscribe for a topic that reads `channels`. Accepted forms:
 *   "now"                                   live from now, but the ack reports where "now" is
 *   {"epoch":E,"seq":N}                      for topics on a single channel
 *   {"<channel>": {"epoch":E,"seq":N} | "now", …}   per channel; channels left out are "now"
 * A partition of the transaction stream (`txs.3`) is accepted wherever `txs` is: the decoder does not know how many
 * partitions the deployment runs; fitSince lays the result onto the channels actually read.
 */
export function decodeSince(raw: unknown, channels: readonly BusChannel[]): Decoded<Since, SinceError> {
  if (raw === 'now') return ok(new Map(channels.map((c) => [c, undefined])));
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('SINCE_SHAPE');
  if (Object.hasOwn(raw, 'seq') || Object.hasOwn(raw, 'epoch')) {
    if (channels.length !== 1) return fail('SINCE_AMBIGUOUS');
    const p = decodePosition(raw);
    return p.ok ? ok(new Map([[channels[0]!, p.value]])) : p;
  }
  const keys = Object.keys(raw);
  if (keys.length > BUS_CHANNELS.length + MAX_TXS_PARTITIONS) return fail('SINCE_SHAPE');
  const out = new Map<BusChannel, StreamPosition | undefined>(channels.map((c) => [c, undefined]));
  for (const k of keys) {
    if (!isBusChannel(k) || !channels.some((c) => baseChannel(c) === baseChannel(k))) return fail('SINCE_CHANNEL', k.slice(0, 32));
    const v = (raw as Record<string, unknown>)[k];
    if (v === 'now') continue;
    const p = decodePosition(v);
    if (!p.ok) return p;
    out.set(k, p.value);
  }
  return ok(out);
}

/** Never a bus epoch (those are digits or hex): a position in it always reads as "another epoch". */
export const VOID_EPOCH = 'repartitioned';

/**
 * A decoded `since` laid onto the channels a topic reads on this deployment. A transaction channel in use without a
 * position of its own, while the client named a transaction channel that is not in use (the partition count changed
 * since the client saw it, or a single `{"epoch","seq"}` for a partitioned stream), gets a position in VOID_EPOCH:
 * its recovery then sends an `epoch_changed` resync notice instead of silently starting live.
 */
export function fitSince(since: Since, channels: readonly BusChannel[]): Since {
  let stale = false;
  for (const [ch, p] of since) if (p !== undefined && !channels.includes(ch) && baseChannel(ch) === 'txs') stale = true;
  const out = new Map<BusChannel, StreamPosition | undefined>();
  for (const ch of channels) {
    const own = since.get(ch);
    out.set(ch, own ?? (stale && baseChannel(ch) === 'txs' ? { epoch: VOID_EPOCH, seq: 0 } : undefined));
  }
  return out;
}

/** `{"blocks":{"epoch":"…","seq":N},…}` — the JSON object acks carry. */
export function encodePositions(positions: ReadonlyMap<BusChannel, StreamPosition>): string {
  let out = '';
  for (const [ch, p] of positions) out += `${out === '' ? '' : ','}"${ch}":{"epoch":${JSON.stringify(p.epoch)},"seq":${p.seq}}`;
  return `{${out}}`;
}

/**
 * Why a `resync` notice was sent. `slow_consumer`: the edge stopped sending to a socket that could not keep up
 * (the topic is no longer subscribed; resubscribe with `since` = the notice's position). The others say messages
 * after the client's position were lost for good and the stream continues after the notice's position:
 * `history_trimmed` (history no longer reaches back), `epoch_changed` (the channel's sequence restarted),
 * `position_ahead` (the client claims a position this edge never reached), `history_unavailable` (history could not
 * be read within the recovery deadline). A chain-anchored resume (`since` a block) ends in one of its own when it
 * cannot deliver every block after the client's: `block_unknown` (neither history nor the node knows the block),
 * `too_far_behind` (more blocks than CHAINFAN_EDGE_CHAIN_RESUME_MAX_BLOCKS), `node_unavailable` (the block is not in
 * history and the node could not be asked).
 */
export type ResyncReason =
  | 'slow_consumer' | 'history_trimmed' | 'epoch_changed' | 'position_ahead' | 'history_unavailable'
  | 'block_unknown' | 'too_far_behind' | 'node_unavailable';

export interface ResyncNotice {
  /** the topic as the client spelled it when it subscribed */
  readonly topic: string;
  readonly channel: BusChannel;
  readonly reason: ResyncReason;
  /** false: the edge dropped the subscription (resubscribe from the position); true: it continues after it */
  readonly subscribed: boolean;
  readonly position: StreamPosition;
}
