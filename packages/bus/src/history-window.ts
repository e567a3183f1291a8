// Shared rules for history reads, so every Bus answers `covered` and bad arguments the same way.

/** Throws on programmer errors (the arguments come from our own code, not from the wire). */
export function checkHistoryArgs(sinceSeq: number, limit: number): void {
  if (!Number.isSafeInteger(sinceSeq)) throw new RangeError(`history: sinceSeq must be an integer, got ${sinceSeq}`);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`history: limit must be a positive integer, got ${limit}`);
}

/**
 * History covers the caller when it continues exactly at sinceSeq + 1, or when there is nothing after sinceSeq.
 * `firstSeq` is the first seq history returned (undefined when none); `lastSeq` is the channel's current seq.
 * A sinceSeq beyond lastSeq reads as covered: only the caller can tell, by comparing epochs, that it is void.
 */
export function isCovered(sinceSeq: number, firstSeq: number | undefined, lastSeq: number): boolean {
  if (sinceSeq >= lastSeq) return true;
  return firstSeq === Math.max(sinceSeq, 0) + 1;
}
