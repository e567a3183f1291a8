// Script pieces the generator assembles: pushes, Core-style integer pushes (BIP34), look-alike signatures and scriptSigs.
import { concatBytes } from '@chainfan/chain';
import type { Random } from './random.js';
import { randomBytes } from './random.js';

const OP_0 = 0x00;
const OP_PUSHDATA1 = 0x4c;
const OP_PUSHDATA2 = 0x4d;
const OP_1 = 0x51;
const OP_CHECKMULTISIG = 0xae;

/** Minimal data push, as CScript::operator<<(vector) encodes it. */
export function pushData(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n < OP_PUSHDATA1) return concatBytes([Uint8Array.of(n), data]);
  if (n <= 0xff) return concatBytes([Uint8Array.of(OP_PUSHDATA1, n), data]);
  if (n <= 0xffff) return concatBytes([Uint8Array.of(OP_PUSHDATA2, n & 0xff, n >> 8), data]);
  throw new Error(`push of ${n} bytes is not supported`);
}

/** CScriptNum serialization: little-endian magnitude, sign bit in the top byte. */
export function scriptNum(n: number): Uint8Array {
  if (n === 0) return new Uint8Array(0);
  const neg = n < 0;
  let abs = Math.abs(n);
  const out: number[] = [];
  while (abs > 0) {
    out.push(abs & 0xff);
    abs = Math.floor(abs / 256);
  }
  const last = out[out.length - 1] as number;
  if (last & 0x80) out.push(neg ? 0x80 : 0x00);
  else if (neg) out[out.length - 1] = last | 0x80;
  return Uint8Array.from(out);
}

/**
 * `CScript() << n` for an integer: OP_0, OP_1..OP_16 for small values, else a push of the CScriptNum. BIP34 requires a
 * coinbase scriptSig to start with exactly these bytes for the block height.
 */
export function pushInt(n: number): Uint8Array {
  if (n === 0) return Uint8Array.of(OP_0);
  if (n >= 1 && n <= 16) return Uint8Array.of(OP_1 + n - 1);
  return pushData(scriptNum(n));
}

/**
 * A DER-shaped ECDSA signature plus SIGHASH_ALL: 71 or 72 bytes, low-S, valid encoding, random (not verifiable) values.
 * Real signatures are 71–72 bytes in the vast majority of txs, so sizes and fees come out realistic.
 */
export function fakeSignature(random: Random): Uint8Array {
  const r = randomBytes(random, 32);
  const s = randomBytes(random, 32);
  r[0] = Math.max(1, r[0] as number);
  s[0] = Math.max(1, (s[0] as number) & 0x7f);
  const rInt = (r[0] as number) & 0x80 ? concatBytes([Uint8Array.of(0), r]) : r;
  const body = concatBytes([Uint8Array.of(0x02, rInt.length), rInt, Uint8Array.of(0x02, s.length), s]);
  return concatBytes([Uint8Array.of(0x30, body.length), body, Uint8Array.of(0x01)]);
}

/** `<sig> <pubkey>`: the standard P2PKH spend. */
export function p2pkhScriptSig(random: Random, pubkey: Uint8Array): Uint8Array {
  return concatBytes([pushData(fakeSignature(random)), pushData(pubkey)]);
}

/** `OP_1 <pubkey> OP_1 OP_CHECKMULTISIG`: the 1-of-1 multisig the simulator's P2SH wallets hash into their address. */
export function oneOfOneRedeemScript(pubkey: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.of(OP_1), pushData(pubkey), Uint8Array.of(OP_1, OP_CHECKMULTISIG)]);
}

/** `OP_0 <sig> <redeemScript>`: a P2SH multisig spend (OP_0 feeds CHECKMULTISIG's off-by-one pop). */
export function p2shMultisigScriptSig(random: Random, redeemScript: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.of(OP_0), pushData(fakeSignature(random)), pushData(redeemScript)]);
}
