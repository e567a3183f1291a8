// Bounds-checked little-endian reader over a byte view; the one place decoders touch raw offsets.
import { fail, type Decoded } from '@chainfan/protocol';

/** Thrown only inside this package's decoders and turned into `fail(code)` at their boundary (see `decodeWith`). */
export class DecodeFault {
  constructor(readonly code: string, readonly detail?: string) {}
}

export class Cursor {
  readonly b: Uint8Array;
  readonly dv: DataView;
  readonly end: number;
  pos: number;

  constructor(b: Uint8Array, pos = 0, end = b.length) {
    this.b = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.pos = pos;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, code = 'TRUNCATED'): void {
    if (n > this.end - this.pos) throw new DecodeFault(code, `need ${n} bytes at ${this.pos}, ${this.end - this.pos} left`);
  }

  u8(): number {
    if (this.pos >= this.end) throw new DecodeFault('TRUNCATED', `need 1 byte at ${this.pos}`);
    return this.b[this.pos++]!;
  }

  i8(): number {
    const v = this.u8();
    return v > 127 ? v - 256 : v;
  }

  u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.dv.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  i64(): bigint {
    this.need(8);
    const v = this.dv.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A view of the next `n` bytes (no copy); the caller keeps the whole buffer alive through it. */
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /**
   * Bitcoin CompactSize, canonical form only (Core rejects longer-than-needed encodings). Values above 2^53 − 1 are
   * refused: no count or length in a block can be that large, and a JS number must hold it exactly.
   */
  compactSize(): number {
    const first = this.u8();
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      this.need(2);
      const v = this.dv.getUint16(this.pos, true);
      this.pos += 2;
      if (v < 0xfd) throw new DecodeFault('COMPACTSIZE_NONCANONICAL');
      return v;
    }
    if (first === 0xfe) {
      const v = this.u32();
      if (v <= 0xffff) throw new DecodeFault('COMPACTSIZE_NONCANONICAL');
      return v;
    }
    const v = this.u64();
    if (v <= 0xffffffffn) throw new DecodeFault('COMPACTSIZE_NONCANONICAL');
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeFault('COMPACTSIZE_TOO_LARGE');
    return Number(v);
  }

  /** A CompactSize count of items of at least `minItemBytes` each, refused before anything is allocated for them. */
  count(minItemBytes: number, code: string): number {
    const n = this.compactSize();
    if (n * minItemBytes > this.end - this.pos) throw new DecodeFault(code, `${n} items cannot fit in ${this.end - this.pos} bytes`);
    return n;
  }

  /** A CompactSize-prefixed byte string (Bitcoin `std::vector<unsigned char>` / `std::string`). */
  varBytes(): Uint8Array {
    const n = this.compactSize();
    return this.bytes(n);
  }
}

/** Runs a decoder body; a DecodeFault becomes `fail(code)`, any other throw is a bug and propagates. */
export function decodeWith<T>(body: () => T): Decoded<T> {
  try {
    return { ok: true, value: body() };
  } catch (e) {
    if (e instanceof DecodeFault) return e.detail === undefined ? fail(e.code) : fail(e.code, e.detail);
    throw e;
  }
}
