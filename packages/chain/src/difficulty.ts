// Compact nBits → target, difficulty (as the node's GetDifficulty) and chain work (GetBlockProof).

/** The 256-bit target an nBits value encodes, or undefined when negative, overflowing or zero (invalid for PoW). */
export function compactToTarget(bits: number): bigint | undefined {
  const size = bits >>> 24;
  let word = bits & 0x007fffff;
  let target: bigint;
  if (size <= 3) {
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    target = BigInt(word) << BigInt(8 * (size - 3));
  }
  const negative = word !== 0 && (bits & 0x00800000) !== 0;
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  if (negative || overflow || target === 0n) return undefined;
  return target;
}

/** Difficulty relative to 0x1d00ffff, computed in doubles exactly as rpc/blockchain.cpp GetDifficulty does. */
export function bitsToDifficulty(bits: number): number {
  let shift = (bits >>> 24) & 0xff;
  let diff = 0x0000ffff / (bits & 0x00ffffff);
  while (shift < 29) {
    diff *= 256.0;
    shift++;
  }
  while (shift > 29) {
    diff /= 256.0;
    shift--;
  }
  return diff;
}

const TWO_256 = 1n << 256n;

/** Expected hashes for one block at `bits`: 2^256 / (target + 1); 0 for an invalid nBits, as in GetBlockProof. */
export function chainworkForBits(bits: number): bigint {
  const target = compactToTarget(bits);
  if (target === undefined) return 0n;
  return (TWO_256 - 1n - target) / (target + 1n) + 1n;
}

/** Chain work as the RPC prints it: 64 lowercase hex digits. */
export function chainworkToHex(work: bigint): string {
  return work.toString(16).padStart(64, '0');
}
