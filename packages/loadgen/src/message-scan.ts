// Finds bench messages in a received text payload without JSON.parse: every bench message carries the publisher's
// stamp `"t":<ms>` near its start, whatever the wire protocol wraps around it (evrmore-rpc `{"type":…,"data":{"t":…`,
// Socket.IO `42["transaction",{"t":…`). A batched payload holds several messages, one per line (NDJSON).

const QUOTE = 0x22;
const LOWER_T = 0x74;
const COLON = 0x3a;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** The stamp must start within this many bytes of a message's start: chainfan frames put ~90 bytes of position keys before `data`. */
export const STAMP_WINDOW_BYTES = 256;

export interface StampSink {
  /** one bench message received; `tMs` is the publisher's clock (performance.timeOrigin + performance.now()) */
  stamp(tMs: number): void;
}

/** Offset just after `"t":` in buf[start, min(start + STAMP_WINDOW_BYTES, end)), or -1. */
export function findStamp(buf: Uint8Array, start: number, end: number): number {
  const last = Math.min(start + STAMP_WINDOW_BYTES, end) - 4;
  for (let i = start; i <= last; i++) {
    if (buf[i] === QUOTE && buf[i + 1] === LOWER_T && buf[i + 2] === QUOTE && buf[i + 3] === COLON) return i + 4;
  }
  return -1;
}

/** A plain decimal (`-12.345`) at buf[pos…end); NaN when there is no digit. Exponents are not written by the publisher. */
export function readDecimal(buf: Uint8Array, pos: number, end: number): number {
  let i = pos;
  let sign = 1;
  if (buf[i] === MINUS) {
    sign = -1;
    i++;
  }
  let int = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c < ZERO || c > NINE) break;
    int = int * 10 + (c - ZERO);
    digits++;
  }
  let frac = 0;
  let scale = 1;
  if (i < end && buf[i] === DOT) {
    for (i++; i < end; i++) {
      const c = buf[i]!;
      if (c < ZERO || c > NINE) break;
      frac = frac * 10 + (c - ZERO);
      scale *= 10;
      digits++;
    }
  }
  return digits === 0 ? NaN : sign * (int + frac / scale);
}

function scanOne(buf: Uint8Array, start: number, end: number, sink: StampSink): number {
  const at = findStamp(buf, start, end);
  if (at < 0) return 0;
  const t = readDecimal(buf, at, end);
  if (Number.isNaN(t)) return 0;
  sink.stamp(t);
  return 1;
}

/**
 * Counts the bench messages in buf[start, end) and reports each stamp. `batched`: the payload may hold several
 * newline-separated messages (only then is it searched for newlines, which keeps the one-message case O(stamp
 * window)). Returns 0 for payloads without a stamp (acks, pings, other control traffic).
 */
export function scanPayload(buf: Uint8Array, start: number, end: number, batched: boolean, sink: StampSink): number {
  if (!batched) return scanOne(buf, start, end, sink);
  let n = 0;
  let lineStart = start;
  while (lineStart < end) {
    let nl = buf.indexOf(NEWLINE, lineStart);
    if (nl < 0 || nl > end) nl = end;
    n += scanOne(buf, lineStart, nl, sink);
    lineStart = nl + 1;
  }
  return n;
}
