// Base58 and Base58Check (Bitcoin alphabet): legacy addresses and IPFS CIDv0 hashes in asset payloads.
import { ChainfanError, fail, ok, type Decoded } from '@chainfan/protocol';
import { bytesEqual, concatBytes } from './bytes.js';
import { sha256d } from './hash.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET.charCodeAt(i)] = i;

/** Longest string base58Decode accepts: far beyond any address or CID, and keeps the quadratic loop cheap. */
export const MAX_BASE58_LENGTH = 512;

export function base58Encode(b: Uint8Array): string {
  let zeros = 0;
  while (zeros < b.length && b[zeros] === 0) zeros++;
  // log(256)/log(58) ≈ 1.366 digits per byte.
  const digits = new Uint8Array(Math.ceil((b.length - zeros) * 1.38) + 1);
  let len = 0;
  for (let i = zeros; i < b.length; i++) {
    let carry = b[i]!;
    for (let k = 0; k < len; k++) {
      carry += digits[k]! << 8;
      digits[k] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits[len++] = carry % 58;
      carry = (carry / 58) | 0;
    }
  }
  let s = '1'.repeat(zeros);
  for (let k = len - 1; k >= 0; k--) s += ALPHABET[digits[k]!];
  return s;
}

/** Total: BASE58_BAD_CHAR, BASE58_TOO_LONG. Leading '1's become leading zero bytes. */
export function base58Decode(s: string): Decoded<Uint8Array> {
  if (s.length > MAX_BASE58_LENGTH) return fail('BASE58_TOO_LONG');
  let zeros = 0;
  while (zeros < s.length && s[zeros] === '1') zeros++;
  const bytes = new Uint8Array(Math.ceil((s.length - zeros) * 0.733) + 1);
  let len = 0;
  for (let i = zeros; i < s.length; i++) {
    const code = s.charCodeAt(i);
    const v = code < 128 ? INDEX[code]! : -1;
    if (v < 0) return fail('BASE58_BAD_CHAR', `at ${i}`);
    let carry = v;
    for (let k = 0; k < len; k++) {
      carry += bytes[k]! * 58;
      bytes[k] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes[len++] = carry & 0xff;
      carry >>= 8;
    }
  }
  const out = new Uint8Array(zeros + len);
  for (let k = 0; k < len; k++) out[zeros + k] = bytes[len - 1 - k]!;
  return ok(out);
}

/** version byte ‖ payload ‖ first 4 bytes of sha256d, in base58. Throws on a version outside 0..255. */
/**
 * Memo of recent addresses. A pure function's cache, so sharing it is invisible to callers: addresses repeat across a
 * chain's transactions (change, exchanges' hot wallets), and each one spares two SHA-256 and a quadratic base58 loop.
 * Bounded: emptied when full.
 */
const ADDRESS_MEMO_MAX = 16_384;
const addressMemo = new Map<string, string>();

export function base58checkEncode(version: number, payload: Uint8Array): string {
  if (!Number.isInteger(version) || version < 0 || version > 255) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `bad version byte ${version}`);
  if (payload.length > 32) return encodeCheck(version, payload);
  const key = String.fromCharCode(version) + Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('latin1');
  let s = addressMemo.get(key);
  if (s === undefined) {
    if (addressMemo.size >= ADDRESS_MEMO_MAX) addressMemo.clear();
    s = encodeCheck(version, payload);
    addressMemo.set(key, s);
  }
  return s;
}

function encodeCheck(version: number, payload: Uint8Array): string {
  const body = concatBytes([Uint8Array.of(version), payload]);
  return base58Encode(concatBytes([body, sha256d(body).subarray(0, 4)]));
}

/** Version byte and payload of a Base58Check string. Total: base58 codes plus B58CHECK_SHORT, B58CHECK_CHECKSUM. */
export function base58checkDecode(s: string): Decoded<{ version: number; payload: Uint8Array }> {
  const d = base58Decode(s);
  if (!d.ok) return d;
  const b = d.value;
  if (b.length < 5) return fail('B58CHECK_SHORT');
  const body = b.subarray(0, b.length - 4);
  if (!bytesEqual(sha256d(body).subarray(0, 4), b.subarray(b.length - 4))) return fail('B58CHECK_CHECKSUM');
  return ok({ version: body[0]!, payload: body.slice(1) });
}
