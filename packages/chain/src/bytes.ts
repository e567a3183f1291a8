// Hex and byte helpers built on lookup tables: decoders call these for every hash, so no per-byte parsing or allocation.
import { ChainfanError, fail, ok, type Decoded } from '@chainfan/protocol';

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** ASCII code → nibble value, -1 for a non-hex character. */
const NIBBLE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}

/** Above this length Node's native encoder wins over the table (a raw transaction's hex, not a hash's). */
const NATIVE_HEX_MIN = 48;

export function bytesToHex(b: Uint8Array): string {
  if (b.length >= NATIVE_HEX_MIN) return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

/** Hex of `b[off..off+len)` read backwards: internal (serialized) byte order → display order, without a copy. */
export function reversedHexAt(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = off + len - 1; i >= off; i--) s += HEX[b[i]!];
  return s;
}

/** Untrusted hex (RPC replies, config): a coded failure instead of a throw. Accepts either case. */
export function tryHexToBytes(hex: string): Decoded<Uint8Array> {
  if ((hex.length & 1) !== 0) return fail('HEX_ODD_LENGTH');
  const out = new Uint8Array(hex.length >>> 1);
  for (let i = 0, j = 0; i < out.length; i++, j += 2) {
    const hi = NIBBLE[hex.charCodeAt(j) & 0xff]!;
    const lo = NIBBLE[hex.charCodeAt(j + 1) & 0xff]!;
    if (hi < 0 || lo < 0 || hex.charCodeAt(j) > 0xff || hex.charCodeAt(j + 1) > 0xff) return fail('HEX_BAD_CHAR', `at ${j}`);
    out[i] = (hi << 4) | lo;
  }
  return ok(out);
}

/** Hex written by the program itself; a bad string is a bug, so it throws. */
export function hexToBytes(hex: string): Uint8Array {
  const r = tryHexToBytes(hex);
  if (!r.ok) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `invalid hex (${r.error})`);
  return r.value;
}

/** Display order ⇄ internal byte order (the same operation both ways). */
export function reverseHex(hex: string): string {
  if ((hex.length & 1) !== 0) throw new ChainfanError('CHAINFAN_DECODE_FAILED', 'invalid hex (HEX_ODD_LENGTH)');
  let s = '';
  for (let i = hex.length - 2; i >= 0; i -= 2) s += hex.slice(i, i + 2);
  return s.toLowerCase();
}

/** Bytes of a display-order hash (reversed into internal order); throws on bad hex, like hexToBytes. */
export function hashToBytes(displayHex: string, len = 32): Uint8Array {
  const b = hexToBytes(displayHex);
  if (b.length !== len) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `hash must be ${len} bytes, got ${b.length}`);
  return b.reverse();
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Latin-1 view of ASCII protocol strings (ZMQ topics): one char per byte, never fails. */
export function asciiOf(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
