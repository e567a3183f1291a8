// ProgPoW's final hash (ethash progpow.cpp hash_no_verify): two Keccak-f[800] passes, no DAG needed to recompute it.
import { ChainfanError } from '@chainfan/protocol';
import { bytesToHex, hexToBytes } from './bytes.js';

const ROUND_CONSTANTS = Uint32Array.of(
  0x00000001, 0x00008082, 0x0000808a, 0x80008000, 0x0000808b, 0x80000001, 0x80008081, 0x00008009,
  0x0000008a, 0x00000088, 0x80008009, 0x8000000a, 0x8000808b, 0x0000008b, 0x00008089, 0x00008003,
  0x00008002, 0x00000080, 0x0000800a, 0x8000000a, 0x80008081, 0x00008080,
);
// Keccak rho offsets along the pi walk, reduced mod the 32-bit lane width.
const RHO = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44].map((r) => r % 32);
const PI = [10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1];

function rotl32(x: number, n: number): number {
  return n === 0 ? x >>> 0 : ((x << n) | (x >>> (32 - n))) >>> 0;
}

/** Keccak-f[800] (25 × 32-bit lanes, 22 rounds) in place. */
export function keccakF800(st: Uint32Array): void {
  const bc = new Uint32Array(5);
  for (let round = 0; round < 22; round++) {
    for (let i = 0; i < 5; i++) bc[i] = st[i]! ^ st[i + 5]! ^ st[i + 10]! ^ st[i + 15]! ^ st[i + 20]!;
    for (let i = 0; i < 5; i++) {
      const t = bc[(i + 4) % 5]! ^ rotl32(bc[(i + 1) % 5]!, 1);
      for (let j = 0; j < 25; j += 5) st[j + i] = st[j + i]! ^ t;
    }
    let t = st[1]!;
    for (let i = 0; i < 24; i++) {
      const j = PI[i]!;
      const next = st[j]!;
      st[j] = rotl32(t, RHO[i]!);
      t = next;
    }
    for (let j = 0; j < 25; j += 5) {
      for (let i = 0; i < 5; i++) bc[i] = st[j + i]!;
      for (let i = 0; i < 5; i++) st[j + i] = bc[i]! ^ (~bc[(i + 1) % 5]! & bc[(i + 2) % 5]!);
    }
    st[0] = st[0]! ^ ROUND_CONSTANTS[round]!;
  }
}

export interface ProgpowFinalInput {
  /** sha256d of the header's first 80 bytes, display order (the RPC's `headerhash`). */
  headerHash: string;
  nonce64: bigint;
  /** Display order (the RPC's `mixhash`). */
  mixHash: string;
  /** The chain's 15 padding characters: 'EVRMORE-PROGPOW' (Evrmore) or 'rAVENCOINKAWPOW' (Ravencoin). */
  constantsAscii: string;
}

/**
 * The block hash of a 120-byte EVRPROGPOW/KAWPOW header, display order. The hash256 values are taken byte for byte
 * from their display hex (ethash's to_hash256), read as little-endian 32-bit words, as in hash_no_verify.
 */
export function progpowFinalHash(p: ProgpowFinalInput): string {
  if (p.constantsAscii.length !== 15) throw new ChainfanError('CHAINFAN_DECODE_FAILED', 'ProgPoW constants must be 15 characters');
  if (p.nonce64 < 0n || p.nonce64 > 0xffffffffffffffffn) throw new ChainfanError('CHAINFAN_DECODE_FAILED', 'nonce64 out of range');
  const header = words(hexToBytes(p.headerHash));
  const mix = words(hexToBytes(p.mixHash));
  const constants = new Uint32Array(15);
  for (let i = 0; i < 15; i++) constants[i] = p.constantsAscii.charCodeAt(i);

  const st = new Uint32Array(25);
  st.set(header, 0);
  st[8] = Number(p.nonce64 & 0xffffffffn);
  st[9] = Number(p.nonce64 >> 32n);
  st.set(constants, 10);
  keccakF800(st);

  const seed = st.slice(0, 8);
  st.fill(0);
  st.set(seed, 0);
  st.set(mix, 8);
  st.set(constants.subarray(0, 9), 16);
  keccakF800(st);

  const out = new Uint8Array(32);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) dv.setUint32(i * 4, st[i]!, true);
  return bytesToHex(out);
}

function words(b: Uint8Array): Uint32Array {
  if (b.length !== 32) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `expected a 32-byte hash, got ${b.length}`);
  const dv = new DataView(b.buffer, b.byteOffset, 32);
  const w = new Uint32Array(8);
  for (let i = 0; i < 8; i++) w[i] = dv.getUint32(i * 4, true);
  return w;
}
