// Bitcoin merkle root over txids (odd levels duplicate their last node).
import { bytesToHex, concatBytes, hashToBytes } from './bytes.js';
import { sha256d } from './hash.js';

/** Merkle root of display-order txids, display order out; all zeros for an empty list (Core's BlockMerkleRoot). */
export function merkleRoot(txids: readonly string[]): string {
  if (txids.length === 0) return '0'.repeat(64);
  let level = txids.map((t) => hashToBytes(t));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const a = level[i]!;
      const b = level[i + 1] ?? a;
      next.push(sha256d(concatBytes([a, b])));
    }
    level = next;
  }
  return bytesToHex(level[0]!.slice().reverse());
}
