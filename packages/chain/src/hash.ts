// Bitcoin-family digests over node:crypto (which ships ripemd160 on Node 20's OpenSSL build).
import { createHash } from 'node:crypto';

export function sha256(b: Uint8Array): Uint8Array {
  return createHash('sha256').update(b).digest();
}

export function sha256d(b: Uint8Array): Uint8Array {
  return createHash('sha256').update(createHash('sha256').update(b).digest()).digest();
}

/** sha256d over the concatenation of `parts`, without building it (txid of a segwit tx skips its witness bytes). */
export function sha256dParts(parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return createHash('sha256').update(h.digest()).digest();
}

/** ripemd160(sha256(b)): the 20-byte hash inside P2PKH/P2SH scripts and addresses. */
export function hash160(b: Uint8Array): Uint8Array {
  return createHash('ripemd160').update(createHash('sha256').update(b).digest()).digest();
}
