// Script opcode names and the op iterator (CScript::GetOp2 semantics, including OP_EVR_ASSET swallowing the rest).

export const OP = {
  OP_0: 0x00, OP_PUSHDATA1: 0x4c, OP_PUSHDATA2: 0x4d, OP_PUSHDATA4: 0x4e, OP_1NEGATE: 0x4f, OP_RESERVED: 0x50,
  OP_1: 0x51, OP_16: 0x60, OP_RETURN: 0x6a, OP_DROP: 0x75, OP_DUP: 0x76, OP_EQUAL: 0x87, OP_EQUALVERIFY: 0x88,
  OP_HASH160: 0xa9, OP_CHECKSIG: 0xac, OP_CHECKMULTISIG: 0xae, OP_EVR_ASSET: 0xc0,
} as const;

const NAMED: Record<number, string> = {
  0x00: '0', 0x4c: 'OP_PUSHDATA1', 0x4d: 'OP_PUSHDATA2', 0x4e: 'OP_PUSHDATA4', 0x4f: '-1', 0x50: 'OP_RESERVED',
  0x61: 'OP_NOP', 0x62: 'OP_VER', 0x63: 'OP_IF', 0x64: 'OP_NOTIF', 0x65: 'OP_VERIF', 0x66: 'OP_VERNOTIF', 0x67: 'OP_ELSE',
  0x68: 'OP_ENDIF', 0x69: 'OP_VERIFY', 0x6a: 'OP_RETURN', 0x6b: 'OP_TOALTSTACK', 0x6c: 'OP_FROMALTSTACK', 0x6d: 'OP_2DROP',
  0x6e: 'OP_2DUP', 0x6f: 'OP_3DUP', 0x70: 'OP_2OVER', 0x71: 'OP_2ROT', 0x72: 'OP_2SWAP', 0x73: 'OP_IFDUP', 0x74: 'OP_DEPTH',
  0x75: 'OP_DROP', 0x76: 'OP_DUP', 0x77: 'OP_NIP', 0x78: 'OP_OVER', 0x79: 'OP_PICK', 0x7a: 'OP_ROLL', 0x7b: 'OP_ROT',
  0x7c: 'OP_SWAP', 0x7d: 'OP_TUCK', 0x7e: 'OP_CAT', 0x7f: 'OP_SUBSTR', 0x80: 'OP_LEFT', 0x81: 'OP_RIGHT', 0x82: 'OP_SIZE',
  0x83: 'OP_INVERT', 0x84: 'OP_AND', 0x85: 'OP_OR', 0x86: 'OP_XOR', 0x87: 'OP_EQUAL', 0x88: 'OP_EQUALVERIFY',
  0x89: 'OP_RESERVED1', 0x8a: 'OP_RESERVED2', 0x8b: 'OP_1ADD', 0x8c: 'OP_1SUB', 0x8d: 'OP_2MUL', 0x8e: 'OP_2DIV',
  0x8f: 'OP_NEGATE', 0x90: 'OP_ABS', 0x91: 'OP_NOT', 0x92: 'OP_0NOTEQUAL', 0x93: 'OP_ADD', 0x94: 'OP_SUB', 0x95: 'OP_MUL',
  0x96: 'OP_DIV', 0x97: 'OP_MOD', 0x98: 'OP_LSHIFT', 0x99: 'OP_RSHIFT', 0x9a: 'OP_BOOLAND', 0x9b: 'OP_BOOLOR',
  0x9c: 'OP_NUMEQUAL', 0x9d: 'OP_NUMEQUALVERIFY', 0x9e: 'OP_NUMNOTEQUAL', 0x9f: 'OP_LESSTHAN', 0xa0: 'OP_GREATERTHAN',
  0xa1: 'OP_LESSTHANOREQUAL', 0xa2: 'OP_GREATERTHANOREQUAL', 0xa3: 'OP_MIN', 0xa4: 'OP_MAX', 0xa5: 'OP_WITHIN',
  0xa6: 'OP_RIPEMD160', 0xa7: 'OP_SHA1', 0xa8: 'OP_SHA256', 0xa9: 'OP_HASH160', 0xaa: 'OP_HASH256',
  0xab: 'OP_CODESEPARATOR', 0xac: 'OP_CHECKSIG', 0xad: 'OP_CHECKSIGVERIFY', 0xae: 'OP_CHECKMULTISIG',
  0xaf: 'OP_CHECKMULTISIGVERIFY', 0xb0: 'OP_NOP1', 0xb1: 'OP_CHECKLOCKTIMEVERIFY', 0xb2: 'OP_CHECKSEQUENCEVERIFY',
  0xb3: 'OP_NOP4', 0xb4: 'OP_NOP5', 0xb5: 'OP_NOP6', 0xb6: 'OP_NOP7', 0xb7: 'OP_NOP8', 0xb8: 'OP_NOP9', 0xb9: 'OP_NOP10',
  0xc0: 'OP_EVR_ASSET', 0xff: 'OP_INVALIDOPCODE',
};

/** GetOpName() of the Evrmore node (reference commit 8365190): small ints print as numbers, unknown bytes as OP_UNKNOWN. */
export const OP_NAMES: readonly string[] = Array.from({ length: 256 }, (_, op) => {
  if (op >= 0x51 && op <= 0x60) return String(op - 0x50);
  return NAMED[op] ?? 'OP_UNKNOWN';
});

/** One parsed op: `data` is the pushed bytes for pushes, the rest of the script for OP_EVR_ASSET, else empty. */
export interface ScriptOp {
  op: number;
  data: Uint8Array;
  /** Offset of the op byte. */
  at: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Reads the op at `pos`; undefined where GetOp fails (a push running past the end). OP_EVR_ASSET takes every
 * remaining byte as its data, as the Evrmore node's GetOp2 does.
 */
export function readOp(s: Uint8Array, pos: number): ScriptOp | undefined {
  if (pos >= s.length) return undefined;
  const op = s[pos]!;
  let p = pos + 1;
  if (op <= OP.OP_PUSHDATA4) {
    let n: number;
    if (op < OP.OP_PUSHDATA1) n = op;
    else if (op === OP.OP_PUSHDATA1) {
      if (p + 1 > s.length) return undefined;
      n = s[p]!;
      p += 1;
    } else if (op === OP.OP_PUSHDATA2) {
      if (p + 2 > s.length) return undefined;
      n = s[p]! | (s[p + 1]! << 8);
      p += 2;
    } else {
      if (p + 4 > s.length) return undefined;
      n = (s[p]! | (s[p + 1]! << 8) | (s[p + 2]! << 16) | (s[p + 3]! << 24)) >>> 0;
      p += 4;
    }
    if (n > s.length - p) return undefined;
    return { op, data: s.subarray(p, p + n), at: pos };
  }
  if (op === OP.OP_EVR_ASSET) return { op, data: s.subarray(p), at: pos };
  return { op, data: EMPTY, at: pos };
}

/** Every op of the script, or undefined if one cannot be read (the script then matches no template). */
export function parseOps(s: Uint8Array): ScriptOp[] | undefined {
  const ops: ScriptOp[] = [];
  let pos = 0;
  while (pos < s.length) {
    const o = readOp(s, pos);
    if (o === undefined) return undefined;
    ops.push(o);
    pos = nextOpPos(s, o);
  }
  return ops;
}

function opEnd(s: Uint8Array, o: ScriptOp): number {
  // data is a subarray of s: its end offset is where the next op starts.
  return o.data.byteOffset - s.byteOffset + o.data.length;
}

/** CScript::IsPushOnly(begin + from): every op readable and at most OP_16 (OP_RESERVED counts as a push). */
export function isPushOnly(s: Uint8Array, from: number): boolean {
  let pos = from;
  while (pos < s.length) {
    const o = readOp(s, pos);
    if (o === undefined || o.op > OP.OP_16) return false;
    pos = nextOpPos(s, o);
  }
  return true;
}

/** Next op's offset after `o` (the end of the script after OP_EVR_ASSET). */
export function nextOpPos(s: Uint8Array, o: ScriptOp): number {
  if (o.op === OP.OP_EVR_ASSET) return s.length;
  return o.op <= OP.OP_PUSHDATA4 ? opEnd(s, o) : o.at + 1;
}
