// Real serialized transactions for the ingest benchmark: payments and asset transfers/issues built by node-sim's
// chain, then multiplied into distinct transactions by rewriting nLockTime (the last four bytes of every
// serialization, witness or not), so the ingestor's duplicate filter never hides work.
import { SimChain, seededRandom } from '@chainfan/node-sim';

/** `count` distinct real transactions from a deterministic simulated chain (blocks mined between batches). */
export function baseTransactions(count: number, seed = 42): Uint8Array[] {
  let t = 1_700_000_000_000;
  const chain = new SimChain({
    network: 'evrmore-main', seed, random: seededRandom(seed), now: () => (t += 15_000), walletCount: 32, maxTxPerBlock: 5_000,
    coinbaseMaturity: 1, witnessCommitment: true, bits: 0x1b260d0b, feeRateSatsPerVbyte: [1_000, 1_500],
  });
  const out: Uint8Array[] = [];
  while (out.length < count) {
    for (let i = 0; i < 40 && out.length < count; i++) out.push(Uint8Array.from(chain.createTx().tx.raw));
    chain.mineBlock();
  }
  return out;
}

/** A copy of `raw` with nLockTime = `lockTime`: the same shape and cost to decode, a different txid. */
export function withLockTime(raw: Uint8Array, lockTime: number): Uint8Array {
  const copy = Uint8Array.from(raw);
  new DataView(copy.buffer).setUint32(copy.length - 4, lockTime >>> 0, true);
  return copy;
}
