// Output-script classification with the node's RPC type names (script/standard.cpp Solver + ExtractDestinations).
import { base58checkEncode } from './base58.js';
import { encodeSegwitAddress } from './bech32.js';
import { hash160 } from './hash.js';
import type { Network } from './networks.js';
import { decodeAssetScript, matchAssetScript, type AssetOutput } from './asset.js';
import { decodeNullAssetScript, type NullAssetData } from './null-asset.js';
import { disassemble } from './script-asm.js';
import { OP, isPushOnly, parseOps } from './script-ops.js';

export type ScriptType =
  | 'pubkey' | 'pubkeyhash' | 'scripthash' | 'multisig' | 'nulldata' | 'nullassetdata'
  | 'witness_v0_keyhash' | 'witness_v0_scripthash' | 'witness_v1_taproot' | 'nonstandard'
  | 'new_asset' | 'transfer_asset' | 'reissue_asset';

export interface ScriptInfo {
  type: ScriptType;
  asm: string;
  /** Present exactly when the node prints `reqSigs` (it could extract destinations). */
  reqSigs?: number;
  addresses?: string[];
  /** Asset types only, when the payload decodes (the node then prints `asset: {}` if it does not). */
  asset?: AssetOutput;
  /** nullassetdata only, when one of the node's three readers accepts it. */
  nullAsset?: NullAssetData;
}

export type Solution = Omit<ScriptInfo, 'asm'>;

/** Type, destinations and asset data of an output script, plus its node-style asm. Total: garbage is nonstandard. */
export function classifyScript(script: Uint8Array, net: Network): ScriptInfo {
  const s = solveScript(script, net);
  const info: ScriptInfo = { type: s.type, asm: disassemble(script) };
  if (s.reqSigs !== undefined) info.reqSigs = s.reqSigs;
  if (s.addresses !== undefined) info.addresses = s.addresses;
  if (s.asset !== undefined) info.asset = s.asset;
  if (s.nullAsset !== undefined) info.nullAsset = s.nullAsset;
  return info;
}

/** classifyScript without the asm (the hot path of address routing). */
export function solveScript(s: Uint8Array, net: Network): Solution {
  // Same order as the node's Solver: P2SH, assets, witness programs, OP_RETURN, null asset data, templates.
  if (s.length === 23 && s[0] === OP.OP_HASH160 && s[1] === 0x14 && s[22] === OP.OP_EQUAL) {
    return { type: 'scripthash', reqSigs: 1, addresses: [base58checkEncode(net.scriptHash, s.subarray(2, 22))] };
  }
  if (net.assetPrefix !== undefined) {
    const m = matchAssetScript(s, net.assetPrefix);
    if (m !== undefined) {
      const type = m.kind === 't' ? 'transfer_asset' : m.kind === 'r' ? 'reissue_asset' : 'new_asset';
      const version = m.base === 'scripthash' ? net.scriptHash : net.pubkeyHash;
      const out: Solution = { type, reqSigs: 1, addresses: [base58checkEncode(version, s.subarray(m.hashAt, m.hashAt + 20))] };
      const asset = decodeAssetScript(s, m);
      if (asset !== undefined) out.asset = asset;
      return out;
    }
  }
  const w = witnessProgram(s);
  if (w !== undefined) {
    let type: ScriptType = 'nonstandard';
    if (w.version === 0 && w.program.length === 20) type = 'witness_v0_keyhash';
    else if (w.version === 0 && w.program.length === 32) type = 'witness_v0_scripthash';
    // The Evrmore node (Core 0.15 base) knows no taproot; only Bitcoin networks name it.
    else if (w.version === 1 && w.program.length === 32 && net.bech32 !== undefined) type = 'witness_v1_taproot';
    if (type === 'nonstandard' || net.bech32 === undefined) return { type };
    return { type, reqSigs: 1, addresses: [encodeSegwitAddress(net.bech32, w.version, w.program)] };
  }
  if (s.length >= 1 && s[0] === OP.OP_RETURN && isPushOnly(s, 1)) return { type: 'nulldata' };
  if (net.assetPrefix !== undefined && s.length >= 1 && s[0] === OP.OP_EVR_ASSET && isPushOnly(s, 1)) {
    const out: Solution = { type: 'nullassetdata' };
    if (s.length >= 23 && s[1] !== OP.OP_RESERVED) {
      const p2sh = s[1] === OP.OP_1NEGATE;
      const h = p2sh ? s.subarray(3, 23) : s.subarray(2, 22);
      out.reqSigs = 1;
      out.addresses = [base58checkEncode(p2sh ? net.scriptHash : net.pubkeyHash, h)];
    }
    const data = decodeNullAssetScript(s);
    if (data !== undefined) out.nullAsset = data;
    return out;
  }
  return solveTemplates(s, net);
}

function solveTemplates(s: Uint8Array, net: Network): Solution {
  const ops = parseOps(s);
  if (ops === undefined) return { type: 'nonstandard' };
  const isPush = (i: number): boolean => ops[i] !== undefined && ops[i]!.op <= OP.OP_PUSHDATA4;
  if (ops.length === 2 && isPush(0) && ops[1]!.op === OP.OP_CHECKSIG && ops[0]!.data.length >= 33 && ops[0]!.data.length <= 65) {
    const key = ops[0]!.data;
    if (!isValidPubkey(key)) return { type: 'pubkey' };
    return { type: 'pubkey', reqSigs: 1, addresses: [base58checkEncode(net.pubkeyHash, hash160(key))] };
  }
  if (
    ops.length === 5 && ops[0]!.op === OP.OP_DUP && ops[1]!.op === OP.OP_HASH160 && isPush(2) && ops[2]!.data.length === 20 &&
    ops[3]!.op === OP.OP_EQUALVERIFY && ops[4]!.op === OP.OP_CHECKSIG
  ) {
    return { type: 'pubkeyhash', reqSigs: 1, addresses: [base58checkEncode(net.pubkeyHash, ops[2]!.data)] };
  }
  const multisig = solveMultisig(ops.map((o) => ({ op: o.op, data: o.data })), net);
  if (multisig !== undefined) return multisig;
  return { type: 'nonstandard' };
}

function smallInt(op: number): number | undefined {
  if (op === OP.OP_0) return 0;
  if (op >= OP.OP_1 && op <= OP.OP_16) return op - OP.OP_1 + 1;
  return undefined;
}

function solveMultisig(ops: readonly { op: number; data: Uint8Array }[], net: Network): Solution | undefined {
  if (ops.length < 3 || ops[ops.length - 1]!.op !== OP.OP_CHECKMULTISIG) return undefined;
  const m = smallInt(ops[0]!.op);
  const n = smallInt(ops[ops.length - 2]!.op);
  if (m === undefined || n === undefined) return undefined;
  const keys = ops.slice(1, -2);
  for (const k of keys) if (k.data.length < 33 || k.data.length > 65) return undefined;
  if (m < 1 || n < 1 || m > n || keys.length !== n) return undefined;
  const addresses = keys.filter((k) => isValidPubkey(k.data)).map((k) => base58checkEncode(net.pubkeyHash, hash160(k.data)));
  if (addresses.length === 0) return { type: 'multisig' };
  return { type: 'multisig', reqSigs: m, addresses };
}

/** CPubKey::IsValid: the header byte's length (02/03 → 33, 04/06/07 → 65) matches. */
function isValidPubkey(k: Uint8Array): boolean {
  const h = k[0];
  if (h === 2 || h === 3) return k.length === 33;
  if (h === 4 || h === 6 || h === 7) return k.length === 65;
  return false;
}

/** CScript::IsWitnessProgram: OP_0/OP_1..16 then one direct push of 2..40 bytes filling the script. */
export function witnessProgram(s: Uint8Array): { version: number; program: Uint8Array } | undefined {
  if (s.length < 4 || s.length > 42) return undefined;
  const v = s[0]!;
  if (v !== OP.OP_0 && (v < OP.OP_1 || v > OP.OP_16)) return undefined;
  if (s[1]! + 2 !== s.length) return undefined;
  return { version: v === 0 ? 0 : v - OP.OP_1 + 1, program: s.subarray(2) };
}
