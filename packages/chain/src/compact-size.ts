// Bitcoin CompactSize ("varint") codec: counts and lengths in transactions, blocks and asset payloads.
import { ChainfanError, fail, type Decoded } from '@chainfan/protocol';
import { Cursor, decodeWith } from './cursor.js';

export function encodeCompactSize(n: number | bigint): Uint8Array {
  const v = BigInt(n);
  if (v < 0n || v > 0xffffffffffffffffn) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `CompactSize out of range: ${v}`);
  if (v < 0xfdn) return Uint8Array.of(Number(v));
  if (v <= 0xffffn) return Uint8Array.of(0xfd, Number(v & 0xffn), Number(v >> 8n));
  if (v <= 0xffffffffn) {
    const out = new Uint8Array(5);
    out[0] = 0xfe;
    new DataView(out.buffer).setUint32(1, Number(v), true);
    return out;
  }
  const out = new Uint8Array(9);
  out[0] = 0xff;
  new DataView(out.buffer).setBigUint64(1, v, true);
  return out;
}

/** Bytes `encodeCompactSize(n)` takes, without encoding. */
export function compactSizeLength(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/** Reads a canonical CompactSize at `off`; `size` is the number of bytes it took. */
export function readCompactSize(b: Uint8Array, off: number): Decoded<{ value: number; size: number }> {
  if (!Number.isInteger(off) || off < 0 || off > b.length) return fail('OFFSET_OUT_OF_RANGE');
  return decodeWith(() => {
    const c = new Cursor(b, off);
    const value = c.compactSize();
    return { value, size: c.pos - off };
  });
}
