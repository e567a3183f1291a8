// Transaction codec: Bitcoin serialization with the BIP144 segwit marker, txid/wtxid and BIP141 sizes in one pass.
import { ChainfanError, type Decoded } from '@chainfan/protocol';
import { hashToBytes, reversedHexAt } from './bytes.js';
import { compactSizeLength } from './compact-size.js';
import { Cursor, DecodeFault, decodeWith } from './cursor.js';
import { sha256d, sha256dParts } from './hash.js';

export interface TxInput {
  /** Previous txid in display (RPC) order; all zeros on a coinbase. */
  prevTxid: string;
  vout: number;
  scriptSig: Uint8Array;
  sequence: number;
  /** Witness stack items; empty when the input has no witness. */
  witness: readonly Uint8Array[];
}

export interface TxOutput {
  /** Satoshis (signed int64 on the wire). */
  value: bigint;
  script: Uint8Array;
}

export interface TxData {
  /** Signed int32, as Core 0.15 / Evrmore read it. */
  version: number;
  inputs: readonly TxInput[];
  outputs: readonly TxOutput[];
  locktime: number;
}

export interface Transaction extends TxData {
  txid: string;
  /** sha256d of the full serialization (the node's `hash`), coinbase included; equals txid without witness. */
  wtxid: string;
  hasWitness: boolean;
  size: number;
  strippedSize: number;
  weight: number;
  vsize: number;
  isCoinbase: boolean;
  /** The exact bytes decoded (a view into the caller's buffer for decodeTx/decodeBlock). */
  raw: Uint8Array;
}

const MIN_INPUT_BYTES = 41; // prevout 36 + empty scriptSig 1 + sequence 4
const MIN_OUTPUT_BYTES = 9; // value 8 + empty script 1
const NO_WITNESS: readonly Uint8Array[] = Object.freeze([]) as readonly Uint8Array[];

/**
 * Decodes one transaction that fills `b` exactly. Total: malformed input yields `fail(code)` (TRUNCATED,
 * TX_INPUT_COUNT, TX_OUTPUT_COUNT, TX_WITNESS_COUNT, TX_UNKNOWN_FLAGS, TX_SUPERFLUOUS_WITNESS, COMPACTSIZE_*,
 * TX_TRAILING_BYTES). Counts are checked against the bytes left before anything is allocated for them.
 */
export function decodeTx(b: Uint8Array): Decoded<Transaction> {
  return decodeWith(() => {
    const c = new Cursor(b);
    const tx = readTx(c);
    if (c.pos !== c.end) throw new DecodeFault('TX_TRAILING_BYTES', `${c.end - c.pos} bytes after the transaction`);
    return tx;
  });
}

/** Reads one transaction at the cursor (used by decodeTx and decodeBlock). Throws DecodeFault on malformed bytes. */
export function readTx(c: Cursor): Transaction {
  const b = c.b;
  const start = c.pos;
  const version = c.i32();
  let bodyStart = c.pos;
  let nIn = c.count(MIN_INPUT_BYTES, 'TX_INPUT_COUNT');
  let flags = 0;
  let inputs: TxInput[];
  let outputs: TxOutput[];
  if (nIn === 0) {
    // BIP144: an empty vin is the marker; the next byte is the flag. A zero flag means "0 inputs, 0 outputs" (Core).
    flags = c.u8();
    if (flags !== 0) {
      bodyStart = c.pos;
      nIn = c.count(MIN_INPUT_BYTES, 'TX_INPUT_COUNT');
      inputs = readInputs(c, nIn);
      outputs = readOutputs(c);
    } else {
      inputs = [];
      outputs = [];
    }
  } else {
    inputs = readInputs(c, nIn);
    outputs = readOutputs(c);
  }
  const bodyEnd = c.pos;
  let hasWitness = false;
  if ((flags & 1) !== 0) {
    flags ^= 1;
    for (let i = 0; i < inputs.length; i++) {
      const n = c.count(1, 'TX_WITNESS_COUNT');
      if (n === 0) continue;
      const items = new Array<Uint8Array>(n);
      for (let k = 0; k < n; k++) items[k] = c.varBytes();
      inputs[i]!.witness = items;
      hasWitness = true;
    }
    // Core ≥ 0.17 refuses a marker with no witness data; a node never serializes one, and accepting it would
    // make wtxid/size disagree with the node's re-serialization.
    if (!hasWitness) throw new DecodeFault('TX_SUPERFLUOUS_WITNESS');
  }
  if (flags !== 0) throw new DecodeFault('TX_UNKNOWN_FLAGS', `flags 0x${flags.toString(16)}`);
  const locktime = c.u32();
  const end = c.pos;
  const raw = b.subarray(start, end);
  const size = end - start;
  let txid: string;
  let wtxid: string;
  let strippedSize = size;
  if (hasWitness) {
    strippedSize = 8 + (bodyEnd - bodyStart);
    const id = sha256dParts([b.subarray(start, start + 4), b.subarray(bodyStart, bodyEnd), b.subarray(end - 4, end)]);
    txid = reversedHexAt(id, 0, 32);
    wtxid = reversedHexAt(sha256d(raw), 0, 32);
  } else {
    txid = reversedHexAt(sha256d(raw), 0, 32);
    wtxid = txid;
  }
  const weight = strippedSize * 3 + size;
  return {
    version, inputs, outputs, locktime,
    txid, wtxid, hasWitness, size, strippedSize, weight, vsize: Math.ceil(weight / 4),
    isCoinbase: inputs.length === 1 && isNullPrevout(inputs[0]!),
    raw,
  };
}

type MutableInput = { -readonly [K in keyof TxInput]: TxInput[K] };

function readInputs(c: Cursor, n: number): MutableInput[] {
  const out = new Array<MutableInput>(n);
  const b = c.b;
  for (let i = 0; i < n; i++) {
    c.need(36);
    const prevTxid = reversedHexAt(b, c.pos, 32);
    c.pos += 32;
    const vout = c.u32();
    const scriptSig = c.varBytes();
    const sequence = c.u32();
    out[i] = { prevTxid, vout, scriptSig, sequence, witness: NO_WITNESS };
  }
  return out;
}

function readOutputs(c: Cursor): TxOutput[] {
  const n = c.count(MIN_OUTPUT_BYTES, 'TX_OUTPUT_COUNT');
  const out = new Array<TxOutput>(n);
  for (let i = 0; i < n; i++) {
    const value = c.i64();
    out[i] = { value, script: c.varBytes() };
  }
  return out;
}

const NULL_TXID = '0'.repeat(64);

function isNullPrevout(i: TxInput): boolean {
  return i.vout === 0xffffffff && i.prevTxid === NULL_TXID;
}

export interface EncodeTxOptions {
  /**
   * Allow the BIP144 witness serialization (default true). It is used only when some input has witness items, as
   * Core does; `false` gives the stripped (txid) serialization.
   */
  witness?: boolean;
}

/** Serializes a transaction. Throws ChainfanError on values that cannot be serialized (a programmer error). */
export function encodeTx(tx: TxData, opts?: EncodeTxOptions): Uint8Array {
  const witness = (opts?.witness ?? true) && tx.inputs.some((i) => i.witness.length > 0);
  let size = 8 + compactSizeLength(tx.inputs.length) + compactSizeLength(tx.outputs.length) + (witness ? 2 : 0);
  for (const i of tx.inputs) {
    size += 40 + compactSizeLength(i.scriptSig.length) + i.scriptSig.length;
    if (witness) {
      size += compactSizeLength(i.witness.length);
      for (const w of i.witness) size += compactSizeLength(w.length) + w.length;
    }
  }
  for (const o of tx.outputs) size += 8 + compactSizeLength(o.script.length) + o.script.length;

  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let p = 0;
  const u32 = (v: number, what: string): void => {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `${what} out of range: ${v}`);
    dv.setUint32(p, v >>> 0, true);
    p += 4;
  };
  const varint = (n: number): void => {
    if (n < 0xfd) out[p++] = n;
    else if (n <= 0xffff) {
      out[p++] = 0xfd;
      dv.setUint16(p, n, true);
      p += 2;
    } else if (n <= 0xffffffff) {
      out[p++] = 0xfe;
      dv.setUint32(p, n, true);
      p += 4;
    } else {
      out[p++] = 0xff;
      dv.setBigUint64(p, BigInt(n), true);
      p += 8;
    }
  };
  const bytes = (b: Uint8Array): void => {
    varint(b.length);
    out.set(b, p);
    p += b.length;
  };

  u32(tx.version, 'version');
  if (witness) {
    out[p++] = 0;
    out[p++] = 1;
  }
  varint(tx.inputs.length);
  for (const i of tx.inputs) {
    out.set(hashToBytes(i.prevTxid), p);
    p += 32;
    if (i.vout < 0) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `vout out of range: ${i.vout}`);
    u32(i.vout, 'vout');
    bytes(i.scriptSig);
    if (i.sequence < 0) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `sequence out of range: ${i.sequence}`);
    u32(i.sequence, 'sequence');
  }
  varint(tx.outputs.length);
  for (const o of tx.outputs) {
    if (o.value < -(2n ** 63n) || o.value >= 2n ** 63n) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `value out of int64 range: ${o.value}`);
    dv.setBigInt64(p, o.value, true);
    p += 8;
    bytes(o.script);
  }
  if (witness) {
    for (const i of tx.inputs) {
      varint(i.witness.length);
      for (const w of i.witness) bytes(w);
    }
  }
  if (tx.locktime < 0) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `locktime out of range: ${tx.locktime}`);
  u32(tx.locktime, 'locktime');
  return out;
}

/**
 * Serializes and hashes in one go (node-sim's builder). Throws ChainfanError when the data cannot round-trip, e.g.
 * zero inputs with outputs, which the BIP144 marker makes ambiguous.
 */
export function buildTx(tx: TxData): Transaction {
  const d = decodeTx(encodeTx(tx));
  if (!d.ok) throw new ChainfanError('CHAINFAN_DECODE_FAILED', `transaction does not round-trip: ${d.error}`);
  return d.value;
}
