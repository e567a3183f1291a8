// Named checks on real chain data: genesis blocks, and a legacy, a segwit and a multisig transaction by txid.
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.js';
import { encodeCompactSize } from './compact-size.js';
import { decodeBlock, witnessCommitment } from './block.js';
import { blockHash, encodeHeader } from './header.js';
import { merkleRoot } from './merkle.js';
import { NETWORKS } from './networks.js';
import { classifyScript } from './script-classify.js';
import { disassembleScriptSig } from './script-asm.js';
import { readOp } from './script-ops.js';
import { sha256d } from './hash.js';
import { decodeTx, encodeTx, type Transaction } from './tx.js';
import { bitsToDifficulty, chainworkForBits } from './difficulty.js';
import { GENESIS_COINBASE_FILE, loadDataFile, loadVectors } from './test-vectors.fixture.js';

const blocks = loadVectors('blocks').entries;
const txs = loadVectors('transactions').entries;
const entry = (list: Record<string, unknown>[], id: string): Record<string, unknown> => {
  const e = list.find((x) => x['id'] === id);
  if (e === undefined) throw new Error(`no entry ${id}`);
  return e;
};
const txHex = (id: string): Uint8Array => hexToBytes(entry(txs, id)['hex'] as string);
function decoded(b: Uint8Array): Transaction {
  const d = decodeTx(b);
  if (!d.ok) throw new Error(`decode failed: ${d.error}`);
  return d.value;
}

describe('Bitcoin genesis block', () => {
  const raw = hexToBytes(entry(blocks, 'btc-bjs-block-6')['block_hex'] as string);
  it('hashes to 000000000019d6…e26f and its coinbase is the merkle root', () => {
    const d = decodeBlock(raw, NETWORKS['bitcoin-main']);
    if (!d.ok) throw new Error(d.error);
    expect(d.value.header.hash).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
    expect(d.value.header.merkleRoot).toBe('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b');
    expect(d.value.txs[0]!.txid).toBe(d.value.header.merkleRoot);
    expect(d.value.txs[0]!.isCoinbase).toBe(true);
    expect(d.value.txs[0]!.outputs[0]!.value).toBe(5_000_000_000n);
    expect(bytesToHex(encodeHeader(d.value.header))).toBe(bytesToHex(raw.subarray(0, 80)));
    expect(blockHash(raw.subarray(0, 80), NETWORKS['bitcoin-main'])).toBe(d.value.header.hash);
    expect(bitsToDifficulty(d.value.header.bits)).toBe(1);
    expect(chainworkForBits(d.value.header.bits)).toBe(0x100010001n);
  });
});

describe('Evrmore genesis blocks', () => {
  const coinbase = loadDataFile(GENESIS_COINBASE_FILE, entry(txs, 'evr-genesis-coinbase')['hex_file_sha256_of_raw'] as string);
  const header = (id: string): Uint8Array => hexToBytes(entry(blocks, id)['header_hex'] as string);
  const full = (id: string): Uint8Array => concatBytes([header(id), encodeCompactSize(1), coinbase]);

  it('mainnet: 120-byte header, EVRPROGPOW hash 0000007b11d0…, merkle root c191c775…, 50,003 airdrop outputs', () => {
    const d = decodeBlock(full('evr-main-genesis'), NETWORKS['evrmore-main']);
    if (!d.ok) throw new Error(d.error);
    const b = d.value;
    expect(b.header.hash).toBe('0000007b11d0481b2420a7c656ef76775d54ab5b29ee7ea250bc768535693b05');
    expect(b.header.merkleRoot).toBe('c191c775b10d2af1fcccb4121095b2a018f1bee84fa5efb568fcddd383969262');
    expect(merkleRoot(b.txs.map((t) => t.txid))).toBe(b.header.merkleRoot);
    expect([b.header.format, b.header.height, b.header.nonce64, b.header.time, b.header.bits]).toEqual([120, 0, 1777396n, 1667072172, 0x1e00ffff]);
    const cb = b.txs[0]!;
    expect(cb.outputs).toHaveLength(50_003);
    expect(cb.outputs.reduce((s, o) => s + o.value, 0n)).toBe(1_173_336_783_498_141_464n);
    expect(b.size).toBe(1_698_418);
  });

  it('testnet and regtest: 80-byte sha256d headers over the same coinbase', () => {
    const t = decodeBlock(full('evr-test-genesis'), NETWORKS['evrmore-test']);
    const r = decodeBlock(full('evr-regtest-genesis'), NETWORKS['evrmore-regtest']);
    expect(t.ok && t.value.header.hash).toBe('00000044bc03f8460e64bc07b080f4929b1cb96fda46b8bd806e57bfb9db82f4');
    expect(r.ok && r.value.header.hash).toBe('5177b521d358ee45b83abbe2597a01511846c1bb3c08c14dc762a4649a7d2fc9');
  });

  it('mainnet block 1,019,040 carries a segwit coinbase and its witness commitment', () => {
    const d = decodeBlock(hexToBytes(entry(blocks, 'evr-main-1019040')['block_hex'] as string), NETWORKS['evrmore-main']);
    if (!d.ok) throw new Error(d.error);
    expect(d.value.header.hash).toBe('00000000000754c51d0b90c8fc5b030e45d69c283f90f9f0bf1ff9db18408cb9');
    expect(d.value.txs[0]!.hasWitness).toBe(true);
    expect(witnessCommitment(d.value)).toBe('e2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836974e8cf9');
  });
});

describe('transactions by txid', () => {
  it('legacy: Evrmore mainnet 634e6a19… (2 in, 2 out, P2PKH)', () => {
    const raw = txHex('evr-main-1019038-tx1');
    const tx = decoded(raw);
    expect(tx.txid).toBe('634e6a19551fb834886f08ded5e866cc0f44c6d603287d268faa5151d6df0647');
    expect(tx.wtxid).toBe(tx.txid);
    expect([tx.hasWitness, tx.size, tx.vsize, tx.locktime, tx.inputs.length]).toEqual([false, 372, 372, 1019037, 2]);
    expect(tx.inputs[0]!.prevTxid).toBe('ff87a2a784c4a30a5bb9e4f935e85aeb96773d2723526e32282030e11c626c07');
    expect(tx.outputs.map((o) => classifyScript(o.script, NETWORKS['evrmore-main']).addresses)).toEqual([
      ['EWKBHQWXUMxtgLmDmXFfhTPfgH9D1qur8c'], ['EgLnBLspa4R1UL52SqLEfJbfSwYou8n2yL'],
    ]);
    expect(bytesToHex(encodeTx(tx))).toBe(bytesToHex(raw));
  });

  it('segwit: P2WPKH spend 10bbdf7e… (wtxid 911c97ab…), stripped serialization hashes to the txid', () => {
    const raw = txHex('btc-bjs-tx-17');
    const tx = decoded(raw);
    expect(tx.txid).toBe('10bbdf7e9301bc21f1da8684f25fd66bc1314904c30da25a8ebf967c58c89269');
    expect(tx.wtxid).toBe('911c97abc525c0424c7db48126ed14a65308f467e1a38449128c3878bc586f2d');
    expect([tx.hasWitness, tx.size, tx.strippedSize, tx.weight, tx.vsize]).toEqual([true, 195, 85, 450, 113]);
    expect(tx.inputs[0]!.witness).toHaveLength(2);
    expect(bytesToHex(encodeTx(tx))).toBe(bytesToHex(raw));
    expect(bytesToHex(sha256d(encodeTx(tx, { witness: false })).reverse())).toBe(tx.txid);
  });

  it('multisig: P2SH 1-of-1 multisig spend 3aef827e…, redeem script classifies as multisig', () => {
    const tx = decoded(txHex('btc-bjs-tx-14'));
    expect(tx.txid).toBe('3aef827e4306bab01f118a8eccad74713bcd1695362caf9fed55202ed54ef88b');
    const scriptSig = tx.inputs[0]!.scriptSig;
    expect(disassembleScriptSig(scriptSig)).toMatch(/^0 3044[0-9a-f]+\[ALL\] 5121[0-9a-f]+51ae$/);
    const sigPush = readOp(scriptSig, 1)!;
    const redeem = readOp(scriptSig, 1 + 1 + sigPush.data.length)!.data;
    const info = classifyScript(redeem, NETWORKS['bitcoin-main']);
    expect(info.type).toBe('multisig');
    expect(info.reqSigs).toBe(1);
    expect(info.asm).toBe('1 038de63cf582d058a399a176825c045672d5ff8ea25b64d28d4375dcdb14c02b2b 1 OP_CHECKMULTISIG');
    expect(info.addresses).toHaveLength(1);
    expect(decoded(txHex('btc-bjs-tx-13')).txid).toBe('7f5d96a866a815f5a1896fcd3b49cd00ac4c366a371fe8555f124e628e977a5e');
  });
});
