import { describe, expect, it } from 'vitest';
import {
  NETWORKS, assetScript, base58checkEncode, buildTx, hash160, p2pkhScript, txToJson,
} from '@chainfan/chain';
import { txEnvelopes } from './tx-events.js';

const NET = NETWORKS['evrmore-main'];
const pubkey = Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 0x02 : i));
const sig = Uint8Array.from({ length: 71 }, (_, i) => (i * 7) & 0xff);
const payee = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);

function p2pkhSpend(): Uint8Array {
  return Uint8Array.from([sig.length, ...sig, pubkey.length, ...pubkey]);
}

describe('txEnvelopes', () => {
  const tx = buildTx({
    version: 2,
    locktime: 0,
    inputs: [{ prevTxid: 'ab'.repeat(32), vout: 1, scriptSig: p2pkhSpend(), sequence: 0xffffffff, witness: [] }],
    outputs: [
      { value: 5_000_000n, script: p2pkhScript(payee) },
      { value: 0n, script: assetScript(p2pkhScript(payee), { kind: 'transfer', name: 'CHAINFAN', amount: 250_000_000n }, NET) },
    ],
  });
  const [txEnv, assetEnv, ...rest] = txEnvelopes(tx, NET, 1_700_000_000_000);

  it('routes the transaction by input address, output addresses, asset names and txid', () => {
    const spender = base58checkEncode(NET.pubkeyHash, hash160(pubkey));
    const paid = base58checkEncode(NET.pubkeyHash, payee);
    expect(txEnv).toMatchObject({ channel: 'txs', kind: 'tx', ts: 1_700_000_000_000 });
    expect(new Set(txEnv!.keys!.a)).toEqual(new Set([spender, paid]));
    expect(txEnv!.keys!.as).toEqual(['CHAINFAN']);
    expect(txEnv!.keys!.tx).toBe(tx.txid);
  });

  it('carries the node getrawtransaction JSON as the body, serialized once', () => {
    expect(JSON.parse(txEnv!.body)).toEqual(JSON.parse(JSON.stringify(txToJson(tx, NET))));
  });

  it('emits one asset event per asset output in the documented evrmore-rpc shape', () => {
    expect(rest).toEqual([]);
    expect(assetEnv).toMatchObject({ channel: 'assets', kind: 'asset', keys: { as: ['CHAINFAN'], tx: tx.txid } });
    expect(JSON.parse(assetEnv!.body)).toEqual({
      txid: tx.txid, asset: 'CHAINFAN', amount: 2.5, type: 'transfer', vout: 1, address: base58checkEncode(NET.pubkeyHash, payee),
      from: base58checkEncode(NET.pubkeyHash, hash160(pubkey)),
    });
  });

  it('does not invent input addresses for coinbase transactions', () => {
    const cb = buildTx({
      version: 1,
      locktime: 0,
      inputs: [{ prevTxid: '00'.repeat(32), vout: 0xffffffff, scriptSig: Uint8Array.of(3, 1, 0, 0, 33, ...pubkey), sequence: 0xffffffff, witness: [] }],
      outputs: [{ value: 277_800_000_000n, script: p2pkhScript(payee) }],
    });
    const [env] = txEnvelopes(cb, NET, 1);
    expect(env!.keys!.a).toEqual([base58checkEncode(NET.pubkeyHash, payee)]);
  });
});
