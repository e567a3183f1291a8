// Full blocks: header ‖ CompactSize tx count ‖ transactions, with BIP141 sizes; and the builder node-sim uses.
import { ChainfanError, type Decoded } from '@chainfan/protocol';
import { bytesToHex, concatBytes } from './bytes.js';
import { compactSizeLength, encodeCompactSize } from './compact-size.js';
import { Cursor, DecodeFault, decodeWith } from './cursor.js';
import { decodeHeader, defaultNetworkFor, encodeHeader, readHeader, type BlockHeader, type HeaderFields } from './header.js';
import { merkleRoot } from './merkle.js';
import type { Network } from './networks.js';
import { readTx, type Transaction } from './tx.js';

export interface Block {
  header: BlockHeader;
  txs: readonly Transaction[];
  size: number;
  strippedSize: number;
  weight: number;
  raw: Uint8Array;
}

const MIN_TX_BYTES = 10; // version 4 + two empty counts + locktime 4

/**
 * Decodes a block that fills `b` exactly, header in `net.headerFormat`. Total: fail(code) with the tx decoder's codes
 * plus BLOCK_TX_COUNT and BLOCK_TRAILING_BYTES. Does not validate (merkle root, PoW): decoding is not consensus.
 */
export function decodeBlock(b: Uint8Array, net: Network): Decoded<Block> {
  return decodeWith(() => {
    const c = new Cursor(b);
    const header = readHeader(c, net);
    const n = c.count(MIN_TX_BYTES, 'BLOCK_TX_COUNT');
    const txs = new Array<Transaction>(n);
    let stripped = c.pos;
    for (let i = 0; i < n; i++) {
      const tx = readTx(c);
      txs[i] = tx;
      stripped += tx.strippedSize;
    }
    if (c.pos !== c.end) throw new DecodeFault('BLOCK_TRAILING_BYTES', `${c.end - c.pos} bytes after the last transaction`);
    return { header, txs, size: b.length, strippedSize: stripped, weight: stripped * 3 + b.length, raw: b };
  });
}

/**
 * Assembles a block from header fields and built transactions: computes the merkle root, serializes, hashes.
 * `net` picks the hash (default: Evrmore mainnet EVRPROGPOW for 120-byte headers, sha256d for 80).
 */
export function buildBlock(h: Omit<HeaderFields, 'merkleRoot'>, txs: readonly Transaction[], net?: Network): Block {
  const network = net ?? defaultNetworkFor(h.format);
  if (network.headerFormat !== h.format) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `header format ${h.format} does not match ${network.name}`);
  const headerBytes = encodeHeader({ ...h, merkleRoot: merkleRoot(txs.map((t) => t.txid)) });
  const decoded = decodeHeader(headerBytes, network);
  if (!decoded.ok) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `header does not round-trip: ${decoded.error}`);
  const raw = concatBytes([headerBytes, encodeCompactSize(txs.length), ...txs.map((t) => t.raw)]);
  let stripped = headerBytes.length + compactSizeLength(txs.length);
  for (const t of txs) stripped += t.strippedSize;
  return { header: decoded.value, txs, size: raw.length, strippedSize: stripped, weight: stripped * 3 + raw.length, raw };
}

const COMMITMENT_PREFIX = [0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed] as const;

/**
 * BIP141 witness commitment of a block (hex of the 32 bytes after `OP_RETURN aa21a9ed`), from the last coinbase output
 * that carries one, as Core's GetWitnessCommitmentIndex picks it; undefined when there is none.
 */
export function witnessCommitment(block: Block): string | undefined {
  const cb = block.txs[0];
  if (cb === undefined) return undefined;
  for (let i = cb.outputs.length - 1; i >= 0; i--) {
    const s = cb.outputs[i]!.script;
    if (s.length >= 38 && COMMITMENT_PREFIX.every((v, k) => s[k] === v)) return bytesToHex(s.subarray(6, 38));
  }
  return undefined;
}
