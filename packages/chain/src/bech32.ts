// Bech32 (BIP173) and Bech32m (BIP350) segwit addresses.
import { fail, ok, type Decoded } from '@chainfan/protocol';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const CHAR_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < CHARSET.length; i++) CHAR_INDEX[CHARSET.charCodeAt(i)] = i;
const BECH32_CONST = 1;
const BECH32M_CONST = 0x2bc830a3;

function polymod(values: readonly number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= gen[i]!;
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >>> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

function convertBits(data: readonly number[] | Uint8Array, from: number, to: number, pad: boolean): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const maxv = (1 << to) - 1;
  for (const v of data) {
    if (v < 0 || v >> from !== 0) return undefined;
    acc = (acc << from) | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & maxv);
    }
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & maxv);
  } else if (bits >= from || ((acc << (to - bits)) & maxv) !== 0) {
    return undefined;
  }
  return out;
}

/** Segwit address for a witness program: bech32 for v0, bech32m for v1–16 (BIP350). */
export function encodeSegwitAddress(hrp: string, version: number, program: Uint8Array): string {
  const data = [version, ...convertBits(program, 8, 5, true)!];
  const constant = version === 0 ? BECH32_CONST : BECH32M_CONST;
  const mod = polymod([...hrpExpand(hrp), ...data, 0, 0, 0, 0, 0, 0]) ^ constant;
  let s = hrp + '1';
  for (const d of data) s += CHARSET[d];
  for (let i = 0; i < 6; i++) s += CHARSET[(mod >>> (5 * (5 - i))) & 31];
  return s;
}

export interface SegwitAddress {
  hrp: string;
  version: number;
  program: Uint8Array;
}

/**
 * Decodes a segwit address of any hrp. Total: BECH32_* codes for case mixing, length, charset, checksum, the
 * bech32/bech32m variant not matching the version, and program sizes outside BIP141's rules.
 */
export function decodeSegwitAddress(addr: string): Decoded<SegwitAddress> {
  if (addr.length < 8 || addr.length > 90) return fail('BECH32_LENGTH');
  const lower = addr.toLowerCase();
  if (addr !== lower && addr !== addr.toUpperCase()) return fail('BECH32_MIXED_CASE');
  const sep = lower.lastIndexOf('1');
  if (sep < 1 || sep + 7 > lower.length) return fail('BECH32_SEPARATOR');
  const hrp = lower.slice(0, sep);
  for (let i = 0; i < hrp.length; i++) {
    const c = hrp.charCodeAt(i);
    if (c < 33 || c > 126) return fail('BECH32_HRP');
  }
  const data: number[] = [];
  for (let i = sep + 1; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    const v = c < 128 ? CHAR_INDEX[c]! : -1;
    if (v < 0) return fail('BECH32_BAD_CHAR');
    data.push(v);
  }
  const check = polymod([...hrpExpand(hrp), ...data]);
  if (check !== BECH32_CONST && check !== BECH32M_CONST) return fail('BECH32_CHECKSUM');
  const values = data.slice(0, -6);
  const version = values[0];
  if (version === undefined || version > 16) return fail('BECH32_VERSION');
  if ((version === 0) !== (check === BECH32_CONST)) return fail('BECH32_VARIANT');
  const program = convertBits(values.slice(1), 5, 8, false);
  if (program === undefined || program.length < 2 || program.length > 40) return fail('BECH32_PROGRAM');
  if (version === 0 && program.length !== 20 && program.length !== 32) return fail('BECH32_PROGRAM');
  return ok({ hrp, version, program: Uint8Array.from(program) });
}
