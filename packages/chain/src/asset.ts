// OP_EVR_ASSET payloads (assets/assettypes.h, original pre-toll serialization): decode, encode, and script detection.
import { ChainfanError, fail, type Decoded } from '@chainfan/protocol';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.js';
import { base58Decode, base58Encode } from './base58.js';
import { encodeCompactSize } from './compact-size.js';
import { Cursor, decodeWith } from './cursor.js';
import type { Network } from './networks.js';
import { OP } from './script-ops.js';

export type AssetKind = 'transfer' | 'new' | 'owner' | 'reissue';
export type AssetTypeChar = 't' | 'q' | 'o' | 'r';

export interface AssetOutput {
  kind: AssetKind;
  /** Owner tokens include their trailing '!'. */
  name: string;
  /** Base units (1e-8) whatever the asset's units; owner tokens are always 100000000. */
  amount: bigint;
  /** 0..8; on a reissue −1 means "unchanged"; owner tokens 0. */
  units?: number;
  reissuable?: boolean;
  /** New issues only. */
  hasIpfs?: boolean;
  /** New issue / reissue attachment: base58 `Qm…` for IPFS, 64-hex for a txid. */
  ipfsHash?: string;
  /** Transfer message, same encoding as ipfsHash. */
  message?: string;
  /** Transfer message expiry (unix seconds), only alongside a message. */
  expireTime?: number;
}

export const OWNER_ASSET_AMOUNT = 100_000_000n;

const KIND_BY_CHAR: Record<AssetTypeChar, AssetKind> = { t: 'transfer', q: 'new', o: 'owner', r: 'reissue' };
const CHAR_BY_KIND: Record<AssetKind, AssetTypeChar> = { transfer: 't', new: 'q', owner: 'o', reissue: 'r' };
const IPFS_SHA2_256 = 0x12;
const TXID_NOTIFIER = 0x54;
const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/**
 * Decodes the serialized asset object that follows `evr`+type in an asset script (`payload` excludes the marker, the
 * type byte and the closing OP_DROP). The node reads a message/IPFS hash only when ≥ 33 bytes are left counting the
 * OP_DROP, and tolerates trailing bytes; this does the same. Total: ASSET_* / TRUNCATED codes.
 */
export function decodeAssetPayload(payload: Uint8Array, kind: AssetTypeChar): Decoded<AssetOutput> {
  if (!(kind in KIND_BY_CHAR)) return fail('ASSET_TYPE');
  return decodeWith(() => readAsset(new Cursor(payload), kind, 1));
}

/** Decodes the whole push after OP_EVR_ASSET: `evr`/`rvn` ‖ type ‖ payload (as fixtures and explorers show it). */
export function decodeAssetPush(push: Uint8Array, prefix?: 'evr' | 'rvn'): Decoded<AssetOutput> {
  if (push.length < 4) return fail('ASSET_PUSH_SHORT');
  const marker = String.fromCharCode(push[0]!, push[1]!, push[2]!);
  if (prefix !== undefined ? marker !== prefix : marker !== 'evr' && marker !== 'rvn') return fail('ASSET_PREFIX');
  const kind = String.fromCharCode(push[3]!);
  if (!(kind in KIND_BY_CHAR)) return fail('ASSET_TYPE');
  return decodeAssetPayload(push.subarray(4), kind as AssetTypeChar);
}

/**
 * Reads an asset object. `tail` is how many bytes follow the cursor's end in the node's stream (the OP_DROP when
 * decoding a bare payload, 0 when the cursor already runs to the end of the script); the node's size checks count them.
 */
export function readAsset(c: Cursor, kind: AssetTypeChar, tail: number): AssetOutput {
  const name = utf8.decode(c.varBytes());
  switch (kind) {
    case 'o':
      return { kind: 'owner', name, amount: OWNER_ASSET_AMOUNT, units: 0 };
    case 't': {
      const amount = c.i64();
      const message = readHashField(c, tail);
      const out: AssetOutput = { kind: 'transfer', name, amount };
      if (message === undefined) return out;
      if (message !== '') out.message = message;
      if (c.remaining() >= 8) {
        const expire = c.i64();
        if (expire !== 0n) out.expireTime = Number(expire);
      }
      return out;
    }
    case 'q': {
      const amount = c.i64();
      const units = c.i8();
      const reissuable = c.i8();
      const hasIpfs = c.i8();
      const out: AssetOutput = { kind: 'new', name, amount, units, reissuable: reissuable > 0, hasIpfs: hasIpfs > 0 };
      if (hasIpfs === 1) {
        const h = readHashField(c, tail);
        if (h !== undefined && h !== '') out.ipfsHash = h;
      }
      return out;
    }
    case 'r': {
      const amount = c.i64();
      const units = c.i8();
      const reissuable = c.i8();
      const out: AssetOutput = { kind: 'reissue', name, amount, units, reissuable: reissuable > 0 };
      const h = readHashField(c, tail);
      if (h !== undefined && h !== '') out.ipfsHash = h;
      return out;
    }
  }
}

/**
 * ReadWriteAssetHashOriginal: with ≥ 33 bytes left (counting `tail`), a type byte and a CompactSize string whose
 * first 32 bytes are the hash. Returns undefined when nothing was read, '' when the bytes encode no known form.
 */
function readHashField(c: Cursor, tail: number): string | undefined {
  if (c.remaining() + tail < 33 || c.remaining() === 0) return undefined;
  const type = c.u8();
  const hash = c.varBytes().subarray(0, 32);
  if (hash.length !== 32) return '';
  return type === IPFS_SHA2_256 ? base58Encode(concatBytes([Uint8Array.of(IPFS_SHA2_256, 0x20), hash])) : bytesToHex(hash);
}

/** Serializes an asset object as the node's ConstructTransaction does (no marker, no type byte). Throws on bad fields. */
export function encodeAssetPayload(a: AssetOutput): Uint8Array {
  const parts: Uint8Array[] = [];
  const name = utf8Encoder.encode(a.name);
  parts.push(encodeCompactSize(name.length), name);
  if (a.kind === 'owner') return concatBytes(parts);
  parts.push(i64(a.amount));
  switch (a.kind) {
    case 'transfer':
      if (a.message !== undefined) {
        parts.push(hashField(a.message));
        if (a.expireTime !== undefined && a.expireTime !== 0) parts.push(i64(BigInt(a.expireTime)));
      }
      break;
    case 'new': {
      const hasIpfs = a.hasIpfs ?? a.ipfsHash !== undefined;
      parts.push(Uint8Array.of(i8(a.units ?? 0), a.reissuable === true ? 1 : 0, hasIpfs ? 1 : 0));
      if (hasIpfs) {
        if (a.ipfsHash === undefined) throw new ChainfanError('CHAINFAN_DECODE_FAILED', 'hasIpfs without ipfsHash');
        parts.push(hashField(a.ipfsHash));
      }
      break;
    }
    case 'reissue':
      parts.push(Uint8Array.of(i8(a.units ?? -1), a.reissuable === false ? 0 : 1));
      if (a.ipfsHash !== undefined) parts.push(hashField(a.ipfsHash));
      break;
  }
  return concatBytes(parts);
}

function i64(v: bigint): Uint8Array {
  if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `amount out of int64 range: ${v}`);
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v, true);
  return b;
}

function i8(v: number): number {
  if (!Number.isInteger(v) || v < -128 || v > 127) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `int8 out of range: ${v}`);
  return v & 0xff;
}

/** `Qm…` → 0x12 ‖ str(32 digest bytes); 64-hex txid → 0x54 ‖ str(32 bytes). */
function hashField(h: string): Uint8Array {
  if (/^[0-9a-fA-F]{64}$/.test(h)) return concatBytes([Uint8Array.of(TXID_NOTIFIER, 0x20), hexToBytes(h)]);
  const d = base58Decode(h);
  if (d.ok && d.value.length === 34 && d.value[0] === IPFS_SHA2_256 && d.value[1] === 0x20) {
    return concatBytes([Uint8Array.of(IPFS_SHA2_256, 0x20), d.value.subarray(2)]);
  }
  throw new ChainfanError('CHAINFAN_DECODE_FAILED', `not an IPFS CIDv0 or txid: ${h}`);
}

/**
 * Appends `OP_EVR_ASSET <push: prefix ‖ type ‖ payload> OP_DROP` to a P2PKH or P2SH script, as the node's
 * ConstructTransaction does. Throws when the base is neither or the network has no assets.
 */
export function assetScript(base: Uint8Array, asset: AssetOutput, net: Network): Uint8Array {
  if (net.assetPrefix === undefined) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `${net.name} has no assets`);
  const isP2pkh = base.length === 25 && base[0] === OP.OP_DUP && base[1] === OP.OP_HASH160 && base[2] === 20 && base[23] === OP.OP_EQUALVERIFY && base[24] === OP.OP_CHECKSIG;
  const isP2sh = base.length === 23 && base[0] === OP.OP_HASH160 && base[1] === 20 && base[22] === OP.OP_EQUAL;
  if (!isP2pkh && !isP2sh) throw new ChainfanError('CHAINFAN_DECODE_FAILED', 'asset outputs need a P2PKH or P2SH base script');
  const data = concatBytes([utf8Encoder.encode(net.assetPrefix + CHAR_BY_KIND[asset.kind]), encodeAssetPayload(asset)]);
  return concatBytes([base, Uint8Array.of(OP.OP_EVR_ASSET), pushOp(data.length), data, Uint8Array.of(OP.OP_DROP)]);
}

/** The opcode bytes CScript `<<` writes before a data push of `n` bytes. */
export function pushOp(n: number): Uint8Array {
  if (n < OP.OP_PUSHDATA1) return Uint8Array.of(n);
  if (n <= 0xff) return Uint8Array.of(OP.OP_PUSHDATA1, n);
  if (n <= 0xffff) return Uint8Array.of(OP.OP_PUSHDATA2, n & 0xff, n >> 8);
  return Uint8Array.of(OP.OP_PUSHDATA4, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);
}

export interface AssetScriptMatch {
  kind: AssetTypeChar;
  /** The base script the asset rides on. */
  base: 'pubkeyhash' | 'scripthash';
  /** Offset of the 20-byte hash inside the script. */
  hashAt: number;
  /** Offset just after the type byte: the node deserializes from here to the end of the script. */
  payloadAt: number;
}

/**
 * CScript::IsAssetScript with the chain's marker: OP_EVR_ASSET at index 25 (P2PKH) or 23 (P2SH), the marker at the
 * next index + 1 or + 2, then the type byte; a new issue 'q' also needs the script longer than 39 bytes.
 * Like the node, it checks those bytes only, not the rest of the base script.
 */
export function matchAssetScript(s: Uint8Array, prefix: 'evr' | 'rvn'): AssetScriptMatch | undefined {
  if (s.length <= 31) return undefined;
  const p2sh = s[0] === OP.OP_HASH160 && s[1] === 0x14 && s[22] === OP.OP_EQUAL;
  let index = -1;
  if (p2sh && s[23] === OP.OP_EVR_ASSET) index = searchMarker(s, 25, prefix);
  else if (s[25] === OP.OP_EVR_ASSET) index = searchMarker(s, 27, prefix);
  if (index <= 0 || index >= s.length) return undefined;
  const t = String.fromCharCode(s[index]!);
  if (t !== 't' && t !== 'q' && t !== 'o' && t !== 'r') return undefined;
  if (t === 'q' && s.length <= 39) return undefined;
  return { kind: t, base: p2sh ? 'scripthash' : 'pubkeyhash', hashAt: p2sh ? 2 : 3, payloadAt: index + 1 };
}

function searchMarker(s: Uint8Array, start: number, prefix: string): number {
  const [a, b, c] = [prefix.charCodeAt(0), prefix.charCodeAt(1), prefix.charCodeAt(2)];
  if (s[start] === a) return s[start + 1] === b && s[start + 2] === c ? start + 3 : -1;
  return s[start + 1] === a && s[start + 2] === b && s[start + 3] === c ? start + 4 : -1;
}

/** The asset object of a matched asset script, read to the script's end as the node does; undefined when malformed. */
export function decodeAssetScript(s: Uint8Array, m: AssetScriptMatch): AssetOutput | undefined {
  const d = decodeWith(() => readAsset(new Cursor(s, m.payloadAt), m.kind, 0));
  return d.ok ? d.value : undefined;
}

