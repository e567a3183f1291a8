import { SimChain } from './sim-chain.js';
import { seededRandom } from './random.js';
let t = 1_700_000_000_000;
const c = new SimChain({ network: 'evrmore-main', seed: 1, random: seededRandom(1), now: () => (t += 333), walletCount: 16, maxTxPerBlock: 1000, coinbaseMaturity: 100, witnessCommitment: true, bits: 0x1b260d0b, feeRateSatsPerVbyte: [1000, 1500] });
const t0 = performance.now();
const kinds: Record<string, number> = {};
for (let b = 0; b < 1000; b++) {
  for (let i = 0; i < 30; i++) { const a = c.createTx(); kinds[a.kind] = (kinds[a.kind] ?? 0) + 1; }
  c.mineBlock();
  if (b % 200 === 0) console.log(b, c.utxos.size, Math.round(performance.now() - t0), 'ms');
}
const ins = new Map<number, number>();
for (let h = 900; h <= 1000; h++) for (const tx of c.store.atHeight(h)!.block.txs.slice(1)) ins.set(tx.inputs.length, (ins.get(tx.inputs.length) ?? 0) + 1);
console.log(kinds, c.utxos.size, c.assets.size, Math.round(performance.now() - t0), 'ms', [...ins].sort((a, b) => a[0] - b[0]));
