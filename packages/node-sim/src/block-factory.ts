// Coinbases and block assembly: BIP34 height, optional BIP141 witness commitment, 120-byte EVRPROGPOW or 80-byte headers.
import {
  buildBlock, buildTx, concatBytes, hashToBytes, merkleRoot, sha256d, type Block, type HeaderFields, type Network, type Transaction, type TxOutput,
} from '@chainfan/chain';
import { pushData, pushInt } from './script-builder.js';
import { randomBytes, randomInt, type Random } from './random.js';

const NULL_TXID = '0'.repeat(64);
const WITNESS_RESERVED = new Uint8Array(32);
const WITNESS_MAGIC = Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed);
const COINBASE_TAG = new TextEncoder().encode('/chainfan-node-sim/');

export interface HeaderParams {
  readonly format: 80 | 120;
  readonly version: number;
  readonly prevHash: string;
  readonly time: number;
  readonly bits: number;
  readonly height: number;
}

/**
 * The coinbase of block `height`: scriptSig = BIP34 height push, 8-byte extranonce, tag. With `others` given, a BIP141
 * witness commitment over them is appended (and the coinbase carries the 32-byte reserved witness), as Evrmore mainnet
 * blocks do even when no other tx has a witness.
 */
export function buildCoinbase(
  random: Random, height: number, outputs: readonly TxOutput[], others: readonly Transaction[] | undefined,
): Transaction {
  const scriptSig = concatBytes([pushInt(height), pushData(randomBytes(random, 8)), pushData(COINBASE_TAG)]);
  const allOutputs = others === undefined ? outputs : [...outputs, { value: 0n, script: witnessCommitmentScript(others) }];
  return buildTx({
    version: 1,
    inputs: [{ prevTxid: NULL_TXID, vout: 0xffffffff, scriptSig, sequence: 0xffffffff, witness: others === undefined ? [] : [WITNESS_RESERVED] }],
    outputs: allOutputs,
    locktime: 0,
  });
}

/** `OP_RETURN aa21a9ed ‖ sha256d(witness merkle root ‖ reserved)`, the coinbase's wtxid counted as zero. */
export function witnessCommitmentScript(others: readonly Transaction[]): Uint8Array {
  const root = merkleRoot([NULL_TXID, ...others.map((t) => t.wtxid)]);
  const commitment = sha256d(concatBytes([hashToBytes(root), WITNESS_RESERVED]));
  return concatBytes([WITNESS_MAGIC, commitment]);
}

/** The genesis coinbase: `OP_0 <text>` as Evrmore's CreateGenesisBlock writes it, paying the airdrop outputs. */
export function buildGenesisCoinbase(text: string, outputs: readonly TxOutput[]): Transaction {
  const scriptSig = concatBytes([pushInt(0), pushData(new TextEncoder().encode(text))]);
  return buildTx({
    version: 1,
    inputs: [{ prevTxid: NULL_TXID, vout: 0xffffffff, scriptSig, sequence: 0xffffffff, witness: [] }],
    outputs,
    locktime: 0,
  });
}

/**
 * A block with a random nonce: for 120-byte headers a random nonce64 and mix_hash (no ProgPoW search: the hash is
 * computed, not mined, so it does not meet `bits`), for 80-byte headers a random 32-bit nonce.
 */
export function assembleBlock(random: Random, net: Network, p: HeaderParams, txs: readonly Transaction[]): Block {
  const header: Omit<HeaderFields, 'merkleRoot'> =
    p.format === 120
      ? {
          format: 120, version: p.version, prevHash: p.prevHash, time: p.time, bits: p.bits, nonce: 0, height: p.height,
          nonce64: randomNonce64(random), mixHash: Buffer.from(randomBytes(random, 32)).toString('hex'),
        }
      : { format: 80, version: p.version, prevHash: p.prevHash, time: p.time, bits: p.bits, nonce: randomInt(random, 0, 0xffffffff) };
  return buildBlock(header, txs, net);
}

/**
 * Below 2^53: getblock prints nonce64 as a JSON number, and JavaScript clients (and @chainfan/chain's blockToJson)
 * hold it as a double, so larger values would not match the header bytes after a JSON round trip.
 */
function randomNonce64(random: Random): bigint {
  return (BigInt(randomInt(random, 0, 0x1fffff)) << 32n) | BigInt(randomInt(random, 0, 0xffffffff));
}
