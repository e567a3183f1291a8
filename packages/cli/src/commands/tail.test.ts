import { describe, expect, it } from 'vitest';
import type { ChainfanMessage } from '@chainfan/client';
import { formatEvent, wireJson } from './tail.js';

const at = new Date(2026, 0, 2, 3, 4, 5, 67).getTime();
const H = '0a'.repeat(32);

describe('chainfan tail formatting', () => {
  it('prints one line per event: time, type, key fields', () => {
    const block = { type: 'block', data: { hash: H, height: 12, tx: ['a', 'b'], size: 900, difficulty: '1722.3' } } as unknown as ChainfanMessage;
    expect(formatEvent(block, at)).toBe(`03:04:05.067  block        #12  0a0a0a0a0a0a…0a0a0a  txs=2  size=900 B  difficulty=1722.3`);
    const tx = {
      type: 'transaction',
      data: { txid: H, size: 250, vin: [{}], vout: [{ value: 0.1, n: 0, scriptPubKey: {} }, { value: 0.2, n: 1, scriptPubKey: { asset: { name: 'FOO', amount: 5 } } }] },
    } as unknown as ChainfanMessage;
    expect(formatEvent(tx, at)).toBe(`03:04:05.067  transaction  0a0a0a0a0a0a…0a0a0a  in=1 out=2  value=0.3 EVR  size=250 B  mempool  assets: FOO 5`);
    const asset = { type: 'asset', data: { txid: H, asset: 'FOO', amount: 5, type: 'transfer', address: 'Eabc' } } as ChainfanMessage;
    expect(formatEvent(asset, at)).toBe(`03:04:05.067  asset        transfer 5 FOO → Eabc  tx=0a0a0a0a0a0a…0a0a0a`);
    expect(formatEvent({ type: 'mempool', data: { size: 3, bytes: 700, usage: 2_800 } }, at)).toBe('03:04:05.067  mempool      size=3 tx  bytes=700 B  usage=2800 B');
    expect(formatEvent({ type: 'unknown', wireType: 'reorg', data: { depth: 2 } }, at)).toBe('03:04:05.067  reorg        {"depth":2}');
  });

  it('survives null and missing fields (a mempool transaction with blockhash null, a block without a hash)', () => {
    const tx = { type: 'transaction', data: { txid: H, size: 250, blockhash: null, vin: [], vout: [] } } as unknown as ChainfanMessage;
    expect(formatEvent(tx, at)).toBe(`03:04:05.067  transaction  0a0a0a0a0a0a…0a0a0a  in=0 out=0  value=0 EVR  size=250 B  mempool`);
    const block = { type: 'block', data: { hash: null, height: 3 } } as unknown as ChainfanMessage;
    expect(formatEvent(block, at)).toBe('03:04:05.067  block        #3  ?  txs=0  size=? B  difficulty=undefined');
  });

  it('--json keeps the wire shape, including unknown types', () => {
    expect(wireJson({ type: 'mempool', data: { size: 1, bytes: 2, usage: 3 } })).toBe('{"type":"mempool","data":{"size":1,"bytes":2,"usage":3}}');
    expect(wireJson({ type: 'unknown', wireType: 'network', data: { peers: 3 } })).toBe('{"type":"network","data":{"peers":3}}');
  });
});
