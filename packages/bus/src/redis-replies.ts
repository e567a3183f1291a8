// Total parsers of Redis replies (script results, stream ranges): a reply of the wrong shape is undefined, never a throw.

export function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

export function parseSeq(raw: unknown): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** XRANGE reply → (seq, wire) pairs; undefined when the reply does not have the stream shape. */
export function parseStreamEntries(raw: unknown): { seq: number; wire: string }[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: { seq: number; wire: string }[] = [];
  for (const entry of raw as unknown[]) {
    if (!Array.isArray(entry)) return undefined;
    const [id, fields] = entry as unknown[];
    if (typeof id !== 'string' || !Array.isArray(fields)) return undefined;
    const seq = parseSeq(id.endsWith('-0') ? id.slice(0, -2) : undefined);
    const at = (fields as unknown[]).indexOf('m');
    const wire = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
    if (seq === undefined || typeof wire !== 'string') return undefined;
    out.push({ seq, wire });
  }
  return out;
}
