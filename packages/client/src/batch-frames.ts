// Batched frames: an edge asked with `?batch=1` may send several messages in one text frame, separated
// by newlines (a raw LF is never part of a JSON message on this wire). One received frame → its messages.

/** The frame's messages: a text frame split on LF (empty lines skipped); anything else passes through alone. */
export function splitBatchedFrame(raw: unknown): readonly unknown[] {
  if (typeof raw !== 'string' || !raw.includes('\n')) return [raw];
  return raw.split('\n').filter((line) => line.length > 0);
}

/** `url` with `batch=1` in its query; servers that do not batch ignore the parameter. A malformed URL comes back
 *  unchanged, for the WebSocket constructor to refuse as it would have anyway. */
export function withBatchQuery(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url; // not a URL: the dial reports it (CHAINFAN_CLIENT_SOCKET), as without batching
  }
  u.searchParams.set('batch', '1');
  return u.toString();
}
