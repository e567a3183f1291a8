// Addresses ⇄ hashes and scripts: base58check (P2PKH/P2SH per network) and bech32/bech32m witness programs.
import { ChainfanError, fail, ok, type Decoded } from '@chainfan/protocol';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.js';
import { base58checkDecode, base58checkEncode } from './base58.js';
import { decodeSegwitAddress, encodeSegwitAddress } from './bech32.js';
import { pushOp } from './asset.js';
import type { Network } from './networks.js';
import { OP } from './script-ops.js';
import { solveScript, witnessProgram } from './script-classify.js';

export interface DecodedAddress {
  /** base58check version byte. */
  version?: number;
  /** base58check payload (hash160), hex. */
  hash?: string;
  witnessVersion?: number;
  /** Witness program, hex. */
  program?: string;
  /** bech32 human-readable part, lowercase. */
  hrp?: string;
}

/**
 * Base58check (20-byte payload) or bech32/bech32m segwit address, whatever network. Total: ADDRESS_INVALID with
 * the underlying code in `detail`, ADDRESS_LENGTH for a base58check payload that is not 20 bytes.
 */
export function decodeAddress(addr: string): Decoded<DecodedAddress> {
  const b = base58checkDecode(addr);
  if (b.ok) {
    if (b.value.payload.length !== 20) return fail('ADDRESS_LENGTH');
    return ok({ version: b.value.version, hash: bytesToHex(b.value.payload) });
  }
  const w = decodeSegwitAddress(addr);
  if (w.ok) return ok({ witnessVersion: w.value.version, program: bytesToHex(w.value.program), hrp: w.value.hrp });
  return fail('ADDRESS_INVALID', `${b.error}; ${w.error}`);
}

/** base58check address of a hash160 (hex) under a version byte. Throws on bad hex or a version outside 0..255. */
export function addressFromHash(hash160hex: string, version: number): string {
  return base58checkEncode(version, hexToBytes(hash160hex));
}

/**
 * The single address an output pays, as the node would list it (P2PKH, P2SH, asset outputs, P2PK as its P2PKH,
 * null-asset tags), or a segwit address of any witness version on networks with bech32. Undefined otherwise.
 */
export function addressFromScript(script: Uint8Array, net: Network): string | undefined {
  if (net.bech32 !== undefined) {
    const w = witnessProgram(script);
    if (w !== undefined && (w.version !== 0 || w.program.length === 20 || w.program.length === 32)) {
      return encodeSegwitAddress(net.bech32, w.version, w.program);
    }
  }
  const s = solveScript(script, net);
  return s.addresses?.length === 1 ? s.addresses[0] : undefined;
}

export function p2pkhScript(hash160: Uint8Array): Uint8Array {
  if (hash160.length !== 20) throw new ChainfanError('CHAINFAN_DECODE_FAILED', 'hash160 must be 20 bytes');
  return concatBytes([Uint8Array.of(OP.OP_DUP, OP.OP_HASH160, 20), hash160, Uint8Array.of(OP.OP_EQUALVERIFY, OP.OP_CHECKSIG)]);
}

export function p2shScript(hash160: Uint8Array): Uint8Array {
  if (hash160.length !== 20) throw new ChainfanError('CHAINFAN_DECODE_FAILED', 'hash160 must be 20 bytes');
  return concatBytes([Uint8Array.of(OP.OP_HASH160, 20), hash160, Uint8Array.of(OP.OP_EQUAL)]);
}

/** `OP_RETURN <data>` with the push opcode CScript would pick. */
export function nullDataScript(data: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.of(OP.OP_RETURN), pushOp(data.length), data]);
}

/** `OP_n <program>` for a witness program. */
export function witnessScript(version: number, program: Uint8Array): Uint8Array {
  if (!Number.isInteger(version) || version < 0 || version > 16 || program.length < 2 || program.length > 40) {
    throw new ChainfanError('CHAINFAN_DECODE_FAILED', 'invalid witness program');
  }
  return concatBytes([Uint8Array.of(version === 0 ? 0 : OP.OP_1 + version - 1, program.length), program]);
}

/**
 * Output script paying an address of `net`. Total: the decodeAddress codes, plus ADDRESS_NETWORK when the version
 * byte or hrp belongs to another network.
 */
export function addressToScript(addr: string, net: Network): Decoded<Uint8Array> {
  const d = decodeAddress(addr);
  if (!d.ok) return d;
  const a = d.value;
  if (a.version !== undefined && a.hash !== undefined) {
    if (a.version === net.pubkeyHash) return ok(p2pkhScript(hexToBytes(a.hash)));
    if (a.version === net.scriptHash) return ok(p2shScript(hexToBytes(a.hash)));
    return fail('ADDRESS_NETWORK', `version ${a.version} is not ${net.name}`);
  }
  if (a.hrp !== undefined && a.hrp === net.bech32 && a.witnessVersion !== undefined && a.program !== undefined) {
    return ok(witnessScript(a.witnessVersion, hexToBytes(a.program)));
  }
  return fail('ADDRESS_NETWORK', `hrp ${a.hrp ?? '?'} is not ${net.name}`);
}
