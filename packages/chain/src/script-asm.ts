// Node-style script assembly (core_write.cpp ScriptToAsmStr), including the OP_EVR_ASSET tail and sighash suffixes.
import { bytesToHex } from './bytes.js';
import { OP, OP_NAMES, readOp, nextOpPos } from './script-ops.js';

/** Output-script asm as the node prints `scriptPubKey.asm`. Never throws; an unreadable push ends with "[error]". */
export function disassemble(script: Uint8Array): string {
  return toAsm(script, false);
}

/** Input-script asm as the node prints `scriptSig.asm`: DER signatures get their sighash type as "[ALL]" etc. */
export function disassembleScriptSig(script: Uint8Array): string {
  return toAsm(script, true);
}

const SIGHASH_NAMES: Record<number, string> = {
  0x01: 'ALL', 0x81: 'ALL|ANYONECANPAY', 0x02: 'NONE', 0x82: 'NONE|ANYONECANPAY', 0x03: 'SINGLE', 0x83: 'SINGLE|ANYONECANPAY',
};

function toAsm(script: Uint8Array, sighashDecode: boolean): string {
  const parts: string[] = [];
  // IsUnspendable(): OP_RETURN / OP_EVR_ASSET first, or oversized; such data is never decoded as a signature.
  const decodeSigs = sighashDecode && !(script.length > 0 && (script[0] === OP.OP_RETURN || script[0] === OP.OP_EVR_ASSET)) && script.length <= 10_000;
  let pos = 0;
  while (pos < script.length) {
    const o = readOp(script, pos);
    if (o === undefined) {
      parts.push('[error]');
      break;
    }
    if (o.op === OP.OP_EVR_ASSET) {
      parts.push(`OP_EVR_ASSET ${bytesToHex(o.data)}`);
    } else if (o.op <= OP.OP_PUSHDATA4) {
      if (o.data.length <= 4) parts.push(String(scriptNum(o.data)));
      else if (decodeSigs && isStrictSignature(o.data)) {
        parts.push(bytesToHex(o.data.subarray(0, o.data.length - 1)) + `[${SIGHASH_NAMES[o.data[o.data.length - 1]!]!}]`);
      } else parts.push(bytesToHex(o.data));
    } else {
      parts.push(OP_NAMES[o.op]!);
    }
    pos = nextOpPos(script, o);
  }
  return parts.join(' ');
}

/** CScriptNum of up to 4 bytes (little-endian magnitude, sign in the top bit; non-minimal forms allowed). */
function scriptNum(d: Uint8Array): number {
  if (d.length === 0) return 0;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += d[i]! * 2 ** (8 * i);
  const top = d[d.length - 1]!;
  if ((top & 0x80) !== 0) return -(v - 0x80 * 2 ** (8 * (d.length - 1)));
  return v;
}

/** BIP66 strict DER plus a defined sighash byte (CheckSignatureEncoding with SCRIPT_VERIFY_STRICTENC). */
function isStrictSignature(sig: Uint8Array): boolean {
  const n = sig.length;
  if (n < 9 || n > 73) return false;
  if (sig[0] !== 0x30 || sig[1] !== n - 3) return false;
  const lenR = sig[3]!;
  if (5 + lenR >= n) return false;
  const lenS = sig[5 + lenR]!;
  if (lenR + lenS + 7 !== n) return false;
  if (sig[2] !== 0x02 || lenR === 0 || (sig[4]! & 0x80) !== 0) return false;
  if (lenR > 1 && sig[4] === 0x00 && (sig[5]! & 0x80) === 0) return false;
  if (sig[lenR + 4] !== 0x02 || lenS === 0 || (sig[lenR + 6]! & 0x80) !== 0) return false;
  if (lenS > 1 && sig[lenR + 6] === 0x00 && (sig[lenR + 7]! & 0x80) === 0) return false;
  const hashType = sig[n - 1]! & ~0x80;
  return hashType >= 1 && hashType <= 3;
}
