import { describe, expect, it } from 'vitest';
import { buildTx, type Transaction } from '@chainfan/chain';
import { Mempool, type MempoolEntry } from './mempool.js';

let n = 0;
/** A tx spending output 0 of each parent (or of a made-up confirmed tx). */
function tx(...parents: Transaction[]): Transaction {
  const prev = parents.length === 0 ? [(++n).toString(16).padStart(64, '0')] : parents.map((p) => p.txid);
  return buildTx({
    version: 2,
    inputs: prev.map((prevTxid) => ({ prevTxid, vout: 0, scriptSig: Uint8Array.of(0x51), sequence: 0xfffffffe, witness: [] })),
    outputs: [{ value: 1_000n, script: Uint8Array.of(0x51) }],
    locktime: 0,
  });
}
const entry = (t: Transaction, depends: readonly string[] = []): MempoolEntry => ({ tx: t, fee: 10n, time: 0, height: 0, depends });

describe('Mempool sequence and removals (Core semantics)', () => {
  it('starts the mempool sequence at 1 and counts block removals without announcing them', () => {
    const pool = new Mempool();
    const a = tx();
    const b = tx();
    expect(pool.add(entry(a))).toBe(1n);
    expect(pool.add(entry(b))).toBe(2n);
    pool.removeForBlock([a.txid]);
    expect(pool.sequence).toBe(4n);
  });

  it('removes a tx with its descendants, parents first, found through inputs even when `depends` misses them', () => {
    const pool = new Mempool();
    const parent = tx();
    const other = tx();
    const child = tx(parent);
    const grandchild = tx(child, other);
    pool.add(entry(parent));
    pool.add(entry(other));
    pool.add(entry(child)); // depends left empty on purpose: a reorg can put a parent back after its child was accepted
    pool.add(entry(grandchild, [child.txid]));
    const bytes = pool.bytes;
    const removed = pool.removeWithDescendants(parent.txid);
    expect(removed.map((r) => [r.entry.tx.txid, r.mempoolSequence])).toEqual([[parent.txid, 5n], [child.txid, 6n], [grandchild.txid, 7n]]);
    expect([...pool.entries()].map((e) => e.tx.txid)).toEqual([other.txid]);
    expect(pool.bytes).toBe(bytes - parent.vsize - child.vsize - grandchild.vsize);
    expect(pool.removeWithDescendants(parent.txid)).toEqual([]);
  });

  it('reload (a restart with mempool.dat) keeps the entries and numbers them again from 1', () => {
    const pool = new Mempool();
    for (let i = 0; i < 3; i++) pool.add(entry(tx()));
    pool.removeWithDescendants([...pool.entries()][0]!.tx.txid);
    expect(pool.reload()).toEqual([1n, 2n]);
    expect(pool.sequence).toBe(3n);
    expect(pool.size).toBe(2);
  });
});
