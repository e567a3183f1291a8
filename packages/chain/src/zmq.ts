// ZMQ notification frames as the node's CZMQAbstractPublishNotifier sends them, and the Core `sequence` topic body.
import { fail, ok, type Decoded } from '@chainfan/protocol';
import { asciiOf, bytesToHex } from './bytes.js';

export interface ZmqNotification {
  /** ASCII topic without NUL, e.g. "rawtx". */
  topic: string;
  body: Uint8Array;
  /** Per-notifier u32 counter (restarts at 0 with the node); undefined for a 2-frame message. */
  sequence: number | undefined;
}

/** Topics are short ASCII words ("hashblock", "rawmessage"); anything longer is not from a node. */
export const MAX_ZMQ_TOPIC_BYTES = 64;

/**
 * `[topic][body][u32 LE counter]`; two frames are tolerated (counter undefined), as evrmore-rpc 1.2.1 does. Total:
 * ZMQ_PART_COUNT, ZMQ_TOPIC_LENGTH, ZMQ_TOPIC_CHARS, ZMQ_SEQ_LENGTH.
 */
export function decodeZmqFrames(parts: readonly Uint8Array[]): Decoded<ZmqNotification> {
  if (parts.length !== 3 && parts.length !== 2) return fail('ZMQ_PART_COUNT', `${parts.length} frames`);
  const topic = parts[0]!;
  if (topic.length === 0 || topic.length > MAX_ZMQ_TOPIC_BYTES) return fail('ZMQ_TOPIC_LENGTH');
  for (let i = 0; i < topic.length; i++) if (topic[i]! < 0x21 || topic[i]! > 0x7e) return fail('ZMQ_TOPIC_CHARS');
  const body = parts[1]!;
  if (parts.length === 2) return ok({ topic: asciiOf(topic), body, sequence: undefined });
  const seq = parts[2]!;
  if (seq.length !== 4) return fail('ZMQ_SEQ_LENGTH', `${seq.length} bytes`);
  const sequence = new DataView(seq.buffer, seq.byteOffset, 4).getUint32(0, true);
  return ok({ topic: asciiOf(topic), body, sequence });
}

export function encodeZmqFrames(topic: string, body: Uint8Array, sequence: number): [Uint8Array, Uint8Array, Uint8Array] {
  const t = new Uint8Array(topic.length);
  for (let i = 0; i < topic.length; i++) t[i] = topic.charCodeAt(i) & 0xff;
  const s = new Uint8Array(4);
  new DataView(s.buffer).setUint32(0, sequence >>> 0, true);
  return [t, body, s];
}

export interface SequenceBody {
  /** Display order (the body carries the hash already byte-reversed). */
  hash: string;
  /** C block connected, D block disconnected, A tx added to the mempool, R tx removed. */
  label: 'C' | 'D' | 'A' | 'R';
  /** Mempool sequence, for A and R only. */
  mempoolSequence?: bigint;
}

/** Core ≥ 0.21 `sequence` body: hash(32) ‖ label, plus u64 LE for A/R. Total: SEQ_BODY_LENGTH, SEQ_BODY_LABEL. */
export function decodeSequenceBody(body: Uint8Array): Decoded<SequenceBody> {
  if (body.length !== 33 && body.length !== 41) return fail('SEQ_BODY_LENGTH', `${body.length} bytes`);
  const label = String.fromCharCode(body[32]!);
  const hash = bytesToHex(body.subarray(0, 32));
  if (label === 'C' || label === 'D') {
    return body.length === 33 ? ok({ hash, label }) : fail('SEQ_BODY_LENGTH', `${label} takes 33 bytes`);
  }
  if (label === 'A' || label === 'R') {
    if (body.length !== 41) return fail('SEQ_BODY_LENGTH', `${label} takes 41 bytes`);
    const mempoolSequence = new DataView(body.buffer, body.byteOffset + 33, 8).getBigUint64(0, true);
    return ok({ hash, label, mempoolSequence });
  }
  return fail('SEQ_BODY_LABEL');
}
