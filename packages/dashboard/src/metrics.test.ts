import { describe, expect, it } from 'vitest';
import type { BlockData, TransactionData } from '@chainfan/client';
import { assetMoves, networkSummary, receivedBy, totalOut } from './metrics.js';
import { formatAmount, formatBytes, formatSince, shortHash } from './format.js';

const block = (height: number, time: number, txs: number, difficulty: number | string = 1_722.3): BlockData =>
  ({ hash: String(height).padStart(64, '0'), height, time, tx: Array.from({ length: txs }, (_, i) => String(i)), size: 1_000, difficulty }) as unknown as BlockData;

const A = 'EAddrAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const tx = (vout: { value: number; to?: string; type?: string; asset?: { name: string; amount: number } }[]): TransactionData =>
  ({
    txid: 'ab'.repeat(32), hash: '', size: 200, vsize: 200, version: 2, locktime: 0, vin: [],
    vout: vout.map((v, n) => ({ value: v.value, n, scriptPubKey: { asm: '', hex: '', type: v.type ?? 'pubkeyhash', ...(v.to ? { addresses: [v.to] } : {}), ...(v.asset ? { asset: v.asset } : {}) } })),
  }) as TransactionData;

describe('networkSummary', () => {
  it('derives per-block interval and tx/s (coinbase excluded) from header times, oldest first', () => {
    const s = networkSummary([block(4, 1_030, 21), block(3, 1_010, 11), block(2, 1_000, 1)]);
    expect(s.points).toEqual([
      { height: 3, intervalS: 10, txPerS: 1, difficulty: 1_722.3 },
      { height: 4, intervalS: 20, txPerS: 1, difficulty: 1_722.3 },
    ]);
    expect(s.meanIntervalS).toBe(15);
    expect(s.txPerS).toBe(1); // 30 transactions over 30 s
    expect(s.difficulty).toBe(1_722.3);
  });

  it('pairs only consecutive heights, clamps backwards header times, and reads string difficulties', () => {
    // newest first: a restarted chain (#1 after #9), and #9 stamped before #8 (allowed by consensus)
    const s = networkSummary([block(1, 2_000, 3, '5.5'), block(9, 995, 4), block(8, 1_000, 2)]);
    expect(s.points).toEqual([{ height: 9, intervalS: 0, txPerS: 3, difficulty: 1_722.3 }]);
    expect(s.difficulty).toBe(5.5);
    expect(Number.isNaN(networkSummary([]).meanIntervalS)).toBe(true);
  });
});

describe('transaction helpers', () => {
  it('sums outputs, finds what an address received, and lists asset moves', () => {
    const t = tx([{ value: 1.5, to: A }, { value: 2, to: 'Eother' }, { value: 0, to: A, type: 'transfer_asset', asset: { name: 'FOO', amount: 7 } }]);
    expect(totalOut(t)).toBe(3.5);
    expect(receivedBy(t, A)).toEqual({ amount: 1.5, listed: true });
    expect(receivedBy(t, 'Enobody')).toEqual({ amount: 0, listed: false });
    expect(assetMoves(t)).toEqual([{ name: 'FOO', amount: 7, kind: 'transfer', address: A }]);
    expect(assetMoves(tx([{ value: 0, to: A, type: 'new_asset', asset: { name: 'FOO!', amount: 1 } }]))[0]?.kind).toBe('owner');
    expect(assetMoves(t, [{ txid: t.txid, asset: 'BAR', amount: 1, type: 'reissue', address: null }])).toEqual([{ name: 'BAR', amount: 1, kind: 'reissue', address: undefined }]);
  });
});

describe('format', () => {
  it('shortens hashes and formats sizes, amounts and ages', () => {
    expect(shortHash('0123456789abcdef0123456789')).toBe('01234567…456789');
    expect(shortHash('abc')).toBe('abc');
    expect([formatBytes(999), formatBytes(1_500), formatBytes(2_500_000)]).toEqual(['999 B', '1.5 kB', '2.50 MB']);
    expect(formatAmount(0.1 + 0.2)).toBe('0.3');
    expect([formatSince(100, 103_500), formatSince(0, 125_000), formatSince(0, 3_840_000), formatSince(200, 100_000)]).toEqual(['3 s', '2 min 5 s', '1 h 4 min', '0 s']);
  });
});
