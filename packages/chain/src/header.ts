// Block headers: the 80-byte Bitcoin layout and the 120-byte EVRPROGPOW/KAWPOW layout, and their block hashes.
import { ChainfanError, fail, type Decoded } from '@chainfan/protocol';
import { hashToBytes, reversedHexAt } from './bytes.js';
import { Cursor, decodeWith } from './cursor.js';
import { sha256d } from './hash.js';
import { NETWORKS, PROGPOW_CONSTANTS, type Network } from './networks.js';
import { progpowFinalHash } from './progpow.js';

export interface BlockHeader {
  /** Signed int32 as the node reads it (Evrmore mainnet: 0x30000000). */
  version: number;
  prevHash: string;
  merkleRoot: string;
  time: number;
  bits: number;
  /** The 32-bit nonce of 80-byte headers; 0 for 120-byte headers, which carry nonce64 instead. */
  nonce: number;
  /** nHeight, inside 120-byte headers only. */
  height?: number;
  nonce64?: bigint;
  /** Display order. */
  mixHash?: string;
  format: 80 | 120;
  /** sha256d of the first 80 bytes, display order (the RPC's `headerhash`; the block hash itself for 80-byte sha256d). */
  headerHash: string;
  /** Block hash, display order: sha256d for 80-byte headers, the ProgPoW final hash for 120-byte ones; '' for X16R/X16Rv2. */
  hash: string;
}

export type HeaderFields = Omit<BlockHeader, 'headerHash' | 'hash'>;

/** Decodes a header that fills `b` exactly, in `net.headerFormat`. Total: HEADER_LENGTH on any other length. */
export function decodeHeader(b: Uint8Array, net: Network): Decoded<BlockHeader> {
  if (b.length !== net.headerFormat) return fail('HEADER_LENGTH', `expected ${net.headerFormat} bytes, got ${b.length}`);
  return decodeWith(() => readHeader(new Cursor(b), net));
}

/** Reads a header at the cursor (decodeHeader, decodeBlock). Throws DecodeFault when truncated. */
export function readHeader(c: Cursor, net: Network): BlockHeader {
  const start = c.pos;
  c.need(net.headerFormat);
  const b = c.b;
  const version = c.i32();
  const prevHash = reversedHexAt(b, c.pos, 32);
  c.pos += 32;
  const merkleRoot = reversedHexAt(b, c.pos, 32);
  c.pos += 32;
  const time = c.u32();
  const bits = c.u32();
  const bytes = b.subarray(start, start + net.headerFormat);
  if (net.headerFormat === 80) {
    const nonce = c.u32();
    const headerHash = reversedHexAt(sha256d(bytes), 0, 32);
    const hash = net.hashAlgorithm === 'sha256d' ? headerHash : blockHash(bytes, net);
    return { version, prevHash, merkleRoot, time, bits, nonce, format: 80, headerHash, hash };
  }
  const height = c.u32();
  const nonce64 = c.u64();
  const mixHash = reversedHexAt(b, c.pos, 32);
  c.pos += 32;
  const headerHash = reversedHexAt(sha256d(bytes.subarray(0, 80)), 0, 32);
  const hash = hash120(headerHash, nonce64, mixHash, net);
  return { version, prevHash, merkleRoot, time, bits, nonce: 0, height, nonce64, mixHash, format: 120, headerHash, hash };
}

/** Serializes header fields; throws ChainfanError when a 120-byte header lacks height, nonce64 or mixHash. */
export function encodeHeader(h: HeaderFields): Uint8Array {
  const out = new Uint8Array(h.format);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, h.version >>> 0, true);
  out.set(hashToBytes(h.prevHash), 4);
  out.set(hashToBytes(h.merkleRoot), 36);
  dv.setUint32(68, h.time >>> 0, true);
  dv.setUint32(72, h.bits >>> 0, true);
  if (h.format === 80) {
    dv.setUint32(76, h.nonce >>> 0, true);
    return out;
  }
  if (h.height === undefined || h.nonce64 === undefined || h.mixHash === undefined) {
    throw new ChainfanError('CHAINFAN_DECODE_FAILED', '120-byte header needs height, nonce64 and mixHash');
  }
  dv.setUint32(76, h.height >>> 0, true);
  dv.setBigUint64(80, BigInt.asUintN(64, h.nonce64), true);
  out.set(hashToBytes(h.mixHash), 88);
  return out;
}

/**
 * Block hash of serialized header bytes, display order: sha256d, or for 120-byte headers the ProgPoW final hash with
 * the chain's constants. X16R/X16Rv2 are not implemented and give ''. Throws ChainfanError on a length mismatch.
 */
export function blockHash(headerBytes: Uint8Array, net: Network): string {
  if (headerBytes.length !== net.headerFormat) {
    throw new ChainfanError('CHAINFAN_DECODE_FAILED', `expected a ${net.headerFormat}-byte header, got ${headerBytes.length}`);
  }
  switch (net.hashAlgorithm) {
    case 'sha256d':
      return reversedHexAt(sha256d(headerBytes), 0, 32);
    case 'x16r':
    case 'x16rv2':
      return '';
    case 'evrprogpow':
    case 'kawpow': {
      if (net.headerFormat !== 120) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `${net.hashAlgorithm} needs 120-byte headers`);
      const dv = new DataView(headerBytes.buffer, headerBytes.byteOffset, 120);
      const headerHash = reversedHexAt(sha256d(headerBytes.subarray(0, 80)), 0, 32);
      return hash120(headerHash, dv.getBigUint64(80, true), reversedHexAt(headerBytes, 88, 32), net);
    }
  }
}

function hash120(headerHash: string, nonce64: bigint, mixHash: string, net: Network): string {
  switch (net.hashAlgorithm) {
    case 'evrprogpow':
    case 'kawpow':
      return progpowFinalHash({ headerHash, nonce64, mixHash, constantsAscii: PROGPOW_CONSTANTS[net.hashAlgorithm] });
    case 'sha256d':
      // A 120-byte header under plain sha256d is not a layout any chain uses; hash what would be hashed for 80.
      return headerHash;
    case 'x16r':
    case 'x16rv2':
      return '';
  }
}

/** The network buildBlock assumes when none is given: Evrmore mainnet for 120-byte headers, regtest for 80. */
export function defaultNetworkFor(format: 80 | 120): Network {
  return format === 120 ? NETWORKS['evrmore-main'] : NETWORKS['evrmore-regtest'];
}

