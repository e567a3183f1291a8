// Guards shared by Bus implementations before an envelope is sequenced.
import type { OutgoingEnvelope } from '@chainfan/protocol';

/** A non-finite ts would serialize as invalid JSON and be dropped by every reader: a caller bug. */
export function checkOutgoing(msg: OutgoingEnvelope): void {
  if (!Number.isFinite(msg.ts)) throw new RangeError(`publish: ts must be a finite number, got ${msg.ts}`);
}
