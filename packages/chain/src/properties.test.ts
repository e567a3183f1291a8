// fast-check properties: codec round trips, and totality of every decoder on arbitrary or mutated bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.js';
import { base58Decode, base58Encode, base58checkDecode, base58checkEncode } from './base58.js';
import { encodeCompactSize, readCompactSize } from './compact-size.js';
import { decodeBlock } from './block.js';
import { decodeHeader, encodeHeader, type HeaderFields } from './header.js';
import { NETWORKS } from './networks.js';
import { decodeTx, encodeTx, type TxData, type TxInput } from './tx.js';
import { assetScript, decodeAssetPayload, encodeAssetPayload, type AssetOutput, type AssetTypeChar } from './asset.js';
import { p2pkhScript } from './address.js';
import { decodeAddress } from './address.js';
import { classifyScript } from './script-classify.js';
import { disassemble, disassembleScriptSig } from './script-asm.js';
import { decodeZmqFrames, decodeSequenceBody } from './zmq.js';
import { loadVectors } from './test-vectors.fixture.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex);
const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });

function txArb(withWitness: boolean): fc.Arbitrary<TxData> {
  const input: fc.Arbitrary<TxInput> = fc.record({
    prevTxid: hash, vout: u32, scriptSig: bytes(120), sequence: u32,
    witness: withWitness ? fc.array(bytes(80), { maxLength: 4 }) : fc.constant([] as Uint8Array[]),
  });
  return fc.record({
    version: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    inputs: fc.array(input, { minLength: 1, maxLength: 5 }),
    outputs: fc.array(fc.record({ value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), script: bytes(120) }), { maxLength: 5 }),
    locktime: u32,
  }).filter((tx) => !withWitness || tx.inputs.some((i) => i.witness.length > 0));
}

function sameTx(a: TxData, b: TxData, witness: boolean): void {
  expect(b.version).toBe(a.version);
  expect(b.locktime).toBe(a.locktime);
  expect(b.inputs.map((i) => [i.prevTxid, i.vout, bytesToHex(i.scriptSig), i.sequence, i.witness.map(bytesToHex)]))
    .toEqual(a.inputs.map((i) => [i.prevTxid, i.vout, bytesToHex(i.scriptSig), i.sequence, witness ? i.witness.map(bytesToHex) : []]));
  expect(b.outputs.map((o) => [o.value, bytesToHex(o.script)])).toEqual(a.outputs.map((o) => [o.value, bytesToHex(o.script)]));
}

describe('round trips', () => {
  it('encodeTx → decodeTx without witness', () => {
    fc.assert(fc.property(txArb(false), (tx) => {
      const raw = encodeTx(tx);
      const d = decodeTx(raw);
      if (!d.ok) throw new Error(d.error);
      sameTx(tx, d.value, false);
      expect([d.value.hasWitness, d.value.wtxid, d.value.size, d.value.strippedSize]).toEqual([false, d.value.txid, raw.length, raw.length]);
      expect(bytesToHex(encodeTx(d.value))).toBe(bytesToHex(raw));
    }));
  });

  it('encodeTx → decodeTx with witness; the stripped form keeps the txid', () => {
    fc.assert(fc.property(txArb(true), (tx) => {
      const raw = encodeTx(tx);
      const d = decodeTx(raw);
      if (!d.ok) throw new Error(d.error);
      sameTx(tx, d.value, true);
      expect(d.value.hasWitness).toBe(true);
      expect(d.value.size).toBe(raw.length);
      const stripped = decodeTx(encodeTx(tx, { witness: false }));
      if (!stripped.ok) throw new Error(stripped.error);
      sameTx(tx, stripped.value, false);
      expect(stripped.value.txid).toBe(d.value.txid);
      expect(stripped.value.size).toBe(d.value.strippedSize);
      expect(d.value.weight).toBe(3 * d.value.strippedSize + d.value.size);
    }));
  });

  const headerArb = (format: 80 | 120): fc.Arbitrary<HeaderFields> =>
    fc.record({
      version: fc.integer({ min: -0x80000000, max: 0x7fffffff }), prevHash: hash, merkleRoot: hash, time: u32, bits: u32,
      nonce: format === 80 ? u32 : fc.constant(0), format: fc.constant(format),
    }).chain((h) => format === 80 ? fc.constant(h) : fc.record({ height: u32, nonce64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), mixHash: hash }).map((x) => ({ ...h, ...x })));

  for (const [format, net] of [[80, NETWORKS['evrmore-regtest']], [120, NETWORKS['evrmore-main']]] as const) {
    it(`encodeHeader → decodeHeader (${format} bytes)`, () => {
      fc.assert(fc.property(headerArb(format), (h) => {
        const d = decodeHeader(encodeHeader(h), net);
        if (!d.ok) throw new Error(d.error);
        const { headerHash, hash: blockHashHex, ...fields } = d.value;
        expect(fields).toEqual(h);
        expect(blockHashHex).toMatch(/^[0-9a-f]{64}$/);
        if (format === 80) expect(blockHashHex).toBe(headerHash);
      }), { numRuns: 60 });
    });
  }

  it('CompactSize', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.nat(8), (n, pad) => {
      const enc = encodeCompactSize(n);
      const r = readCompactSize(concatBytes([new Uint8Array(pad), enc]), pad);
      if (n > BigInt(Number.MAX_SAFE_INTEGER)) expect(r).toMatchObject({ ok: false, error: 'COMPACTSIZE_TOO_LARGE' });
      else expect(r).toEqual({ ok: true, value: { value: Number(n), size: enc.length } });
    }));
    expect(readCompactSize(Uint8Array.of(0xfd, 0x10, 0x00), 0)).toMatchObject({ ok: false, error: 'COMPACTSIZE_NONCANONICAL' });
  });

  it('base58 and base58check', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), bytes(40), (version, payload) => {
      const d = base58checkDecode(base58checkEncode(version, payload));
      expect(d.ok && [d.value.version, bytesToHex(d.value.payload)]).toEqual([version, bytesToHex(payload)]);
      const withZeros = concatBytes([new Uint8Array(version % 4), payload]);
      const p = base58Decode(base58Encode(withZeros));
      expect(p.ok && bytesToHex(p.value)).toBe(bytesToHex(withZeros));
    }));
  });

  const name = fc.stringMatching(/^[A-Z0-9][A-Z0-9._/#]{2,29}$/);
  const attachment = fc.oneof(
    hash,
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((d) => base58Encode(concatBytes([Uint8Array.of(0x12, 0x20), d]))),
  );
  const amount = fc.bigInt({ min: 0n, max: 2n ** 63n - 1n });
  const assetArb: fc.Arbitrary<AssetOutput> = fc.oneof(
    fc.record({ kind: fc.constant('transfer' as const), name, amount, message: fc.option(attachment, { nil: undefined }), expireTime: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: undefined }) })
      .map((a) => strip(a.message === undefined ? { ...a, expireTime: undefined } : a)),
    fc.record({ kind: fc.constant('new' as const), name, amount, units: fc.integer({ min: 0, max: 8 }), reissuable: fc.boolean(), hasIpfs: fc.boolean(), ipfsHash: attachment })
      .map((a) => strip(a.hasIpfs ? a : { ...a, ipfsHash: undefined })),
    name.map((n): AssetOutput => ({ kind: 'owner', name: `${n}!`, amount: 100_000_000n, units: 0 })),
    fc.record({ kind: fc.constant('reissue' as const), name, amount, units: fc.integer({ min: -1, max: 8 }), reissuable: fc.boolean(), ipfsHash: fc.option(attachment, { nil: undefined }) })
      .map((a) => strip(a)),
  );
  const CHAR: Record<AssetOutput['kind'], AssetTypeChar> = { transfer: 't', new: 'q', owner: 'o', reissue: 'r' };

  it('asset payloads, bare and inside an asset script', () => {
    fc.assert(fc.property(assetArb, (a) => {
      const d = decodeAssetPayload(encodeAssetPayload(a), CHAR[a.kind]);
      expect(d).toEqual({ ok: true, value: a });
      expect(classifyScript(assetScript(p2pkhScript(new Uint8Array(20)), a, NETWORKS['evrmore-main']), NETWORKS['evrmore-main']).asset).toEqual(a);
    }));
  });
});

/** Drops undefined fields: decoded objects omit absent optionals (exactOptionalPropertyTypes). */
function strip(o: object): AssetOutput {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as AssetOutput;
}

describe('decoders are total', () => {
  const realTxs = loadVectors('transactions').entries.filter((e) => typeof e['hex'] === 'string').map((e) => hexToBytes(e['hex'] as string));
  const realBlock = hexToBytes(loadVectors('blocks').entries.find((e) => e['id'] === 'btc-bjs-block-7')!['block_hex'] as string);
  /** Real bytes truncated, extended and with bytes overwritten: reaches far deeper than uniform noise. */
  const mutated = (pool: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> =>
    fc.tuple(fc.constantFrom(...pool), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), bytes(8))
      .map(([src, edits, cut, tail]) => {
        const b = concatBytes([src.subarray(0, cut % (src.length + 1)), tail]);
        for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
        return b;
      });
  const anyBytes = fc.oneof(bytes(300), mutated(realTxs));

  it('decodeTx never throws', () => {
    fc.assert(fc.property(anyBytes, (b) => {
      const d = decodeTx(b);
      expect(typeof d.ok).toBe('boolean');
    }), { numRuns: 1000 });
  });

  it('decodeBlock never throws, for every network', () => {
    const nets = Object.values(NETWORKS);
    fc.assert(fc.property(fc.oneof(bytes(400), mutated([realBlock])), fc.constantFrom(...nets), (b, net) => {
      expect(typeof decodeBlock(b, net).ok).toBe('boolean');
    }), { numRuns: 300 });
  });

  it('script, address, asset and ZMQ decoders never throw', () => {
    fc.assert(fc.property(anyBytes, fc.string({ maxLength: 100 }), (b, s) => {
      for (const net of Object.values(NETWORKS)) classifyScript(b, net);
      disassemble(b);
      disassembleScriptSig(b);
      for (const k of ['t', 'q', 'o', 'r'] as const) decodeAssetPayload(b, k);
      decodeAddress(s);
      base58Decode(s);
      decodeZmqFrames([b, b, b.subarray(0, 4)]);
      decodeSequenceBody(b);
    }), { numRuns: 300 });
  });
});
