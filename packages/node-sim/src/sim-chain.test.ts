import { describe, expect, it } from 'vitest';
import {
  NETWORKS, bytesToHex, classifyScript, decodeBlock, hashToBytes, merkleRoot, sha256d, witnessCommitment, type Transaction,
} from '@chainfan/chain';
import { SimChain, type SimChainOptions } from './sim-chain.js';
import { seededRandom } from './random.js';
import { pushInt } from './script-builder.js';
import { ISSUE_ASSET_BURN_SATS, REISSUE_ASSET_BURN_SATS } from './burn-addresses.js';

function makeChain(over: Partial<SimChainOptions> = {}): SimChain {
  let t = 1_700_000_000_000;
  return new SimChain({
    network: 'evrmore-main', seed: 7, random: seededRandom(7), now: () => (t += 20_000), walletCount: 12, maxTxPerBlock: 1_000,
    coinbaseMaturity: 100, witnessCommitment: true, bits: 0x1b260d0b, feeRateSatsPerVbyte: [1_000, 1_500], ...over,
  });
}

/** 15 blocks of ~25 random txs each, plus a last batch left in the mempool. */
function grow(chain: SimChain): SimChain {
  for (let b = 0; b < 15; b++) {
    for (let i = 0; i < 25; i++) chain.createTx();
    chain.mineBlock();
  }
  for (let i = 0; i < 10; i++) chain.createTx();
  return chain;
}

function allBlocks(chain: SimChain) {
  return Array.from({ length: chain.store.height + 1 }, (_, h) => chain.store.atHeight(h)!);
}

/**
 * Replays the active chain (then the mempool) over a coin map: every input spends an existing unspent output exactly
 * once, values never grow, transfers conserve assets, coinbases pay reward + fees exactly. Returns the txs checked.
 */
function checkCoins(chain: SimChain): number {
  const unspent = new Map<string, { value: bigint; asset: { name: string; amount: bigint } | undefined }>();
  const net = chain.network;
  let checked = 0;
  /** Applies one tx to `unspent`; returns its fee (0 for a coinbase). */
  const apply = (tx: Transaction): bigint => {
    const assetIn = new Map<string, bigint>();
    const assetOut = new Map<string, bigint>();
    let valueIn = 0n;
    if (!tx.isCoinbase) {
      for (const i of tx.inputs) {
        const key = `${i.prevTxid}:${i.vout}`;
        const coin = unspent.get(key);
        expect(coin, `input ${key} of ${tx.txid}`).toBeDefined();
        unspent.delete(key);
        valueIn += coin!.value;
        if (coin!.asset) assetIn.set(coin!.asset.name, (assetIn.get(coin!.asset.name) ?? 0n) + coin!.asset.amount);
        // looks like a real spend: <sig 71-72> <pubkey 33>, or OP_0 <sig> <37-byte 1-of-1 redeem script>
        expect([106, 107, 111, 112]).toContain(i.scriptSig.length);
      }
    }
    const valueOut = tx.outputs.reduce((s, o) => s + o.value, 0n);
    tx.outputs.forEach((o, n) => {
      const info = classifyScript(o.script, net);
      const asset = info.asset === undefined ? undefined : { name: info.asset.name, amount: info.asset.amount };
      if (asset) assetOut.set(asset.name, (assetOut.get(asset.name) ?? 0n) + asset.amount);
      if (info.type !== 'nulldata') unspent.set(`${tx.txid}:${n}`, { value: o.value, asset });
    });
    if (tx.isCoinbase) return 0n;
    checked++;
    expect(valueIn).toBeGreaterThanOrEqual(valueOut);
    const types = tx.outputs.map((o) => classifyScript(o.script, net).type);
    if (!types.includes('new_asset') && !types.includes('reissue_asset')) {
      expect(Object.fromEntries(assetOut)).toEqual(Object.fromEntries(assetIn)); // transfers conserve every asset
    }
    return valueIn - valueOut;
  };
  for (const rec of allBlocks(chain)) {
    const [coinbase, ...rest] = rec.block.txs;
    apply(coinbase!);
    const fees = rest.reduce((s, tx) => s + apply(tx), 0n);
    const paid = coinbase!.outputs.reduce((s, o) => s + o.value, 0n);
    if (rec.height > 0) expect(paid).toBe(2_778n * 100_000_000n + fees); // reward + fees, to the satoshi
  }
  for (const e of chain.mempool.entries()) expect(apply(e.tx)).toBe(e.fee);
  return checked;
}

describe('SimChain', () => {
  it('is deterministic: same seed and clock, same chain', () => {
    const a = grow(makeChain());
    const b = grow(makeChain());
    expect(a.tip().hash).toBe(b.tip().hash);
    expect([...a.mempool.entries()].map((e) => e.tx.txid)).toEqual([...b.mempool.entries()].map((e) => e.tx.txid));
    expect(grow(makeChain({ random: seededRandom(8) })).tip().hash).not.toBe(a.tip().hash);
  });

  it('derives mainnet addresses from the seed: E… for P2PKH, e… for every 4th (P2SH) wallet', () => {
    const chain = makeChain();
    chain.wallets.forEach((w, i) => expect(w.address[0]).toBe(i % 4 === 3 ? 'e' : 'E'));
    expect(makeChain({ random: seededRandom(99) }).wallets.map((w) => w.address)).toEqual(chain.wallets.map((w) => w.address));
  });

  it('builds 120-byte EVRPROGPOW blocks that decode back, with valid merkle roots, BIP34 heights and witness commitments', () => {
    const chain = grow(makeChain());
    const net = NETWORKS['evrmore-main'];
    for (const rec of allBlocks(chain)) {
      const d = decodeBlock(rec.block.raw, net);
      expect(d.ok).toBe(true);
      if (!d.ok) continue;
      const block = d.value;
      expect(block.header.format).toBe(120);
      expect(block.header.hash).toBe(rec.hash);
      expect(block.header.height).toBe(rec.height);
      expect(block.header.version).toBe(rec.height === 0 ? 4 : 0x30000000);
      expect(block.header.merkleRoot).toBe(merkleRoot(block.txs.map((t) => t.txid)));
      expect(block.header.prevHash).toBe(rec.height === 0 ? '0'.repeat(64) : chain.store.atHeight(rec.height - 1)!.hash);
      const coinbase = block.txs[0]!;
      expect(coinbase.isCoinbase).toBe(true);
      expect(bytesToHex(coinbase.inputs[0]!.scriptSig).startsWith(bytesToHex(pushInt(rec.height)))).toBe(true);
      if (rec.height > 0) {
        const root = merkleRoot(['0'.repeat(64), ...block.txs.slice(1).map((t) => t.wtxid)]);
        const expected = bytesToHex(sha256d(new Uint8Array([...hashToBytes(root), ...new Uint8Array(32)])));
        expect(witnessCommitment(block)).toBe(expected);
        expect(coinbase.hasWitness).toBe(true);
      }
    }
    expect(chain.store.atHeight(15)!.block.txs.length).toBe(26);
  });

  it('keeps coins consistent: inputs spend existing unspent outputs once, values and asset amounts balance', () => {
    expect(checkCoins(grow(makeChain()))).toBeGreaterThan(300);
  });

  it('issues assets as [burn 500 EVR, change, owner NAME!, new NAME] and transfers classify as transfer_asset', () => {
    const chain = makeChain();
    const net = NETWORKS['evrmore-main'];
    const issue = chain.issueAsset('SIM_TEST', { amount: 1_000n * 100_000_000n, units: 2 }).tx;
    const types = issue.outputs.map((o) => classifyScript(o.script, net));
    expect(types.map((t) => t.type)).toEqual(['pubkeyhash', 'pubkeyhash', 'new_asset', 'new_asset']);
    expect(types[0]!.addresses).toEqual(['EXissueAssetXXXXXXXXXXXXXXXXYiYRBD']);
    expect(issue.outputs[0]!.value).toBe(ISSUE_ASSET_BURN_SATS);
    expect(types[2]!.asset).toMatchObject({ kind: 'owner', name: 'SIM_TEST!', amount: 100_000_000n });
    expect(types[3]!.asset).toMatchObject({ kind: 'new', name: 'SIM_TEST', amount: 100_000_000_000n, units: 2 });

    const to = chain.wallets[5]!.address;
    const transfer = chain.transferAsset('SIM_TEST', to, 250n * 100_000_000n)!.tx;
    const moved = transfer.outputs.map((o) => classifyScript(o.script, net)).filter((i) => i.type === 'transfer_asset');
    expect(moved[0]).toMatchObject({ addresses: [to], asset: { kind: 'transfer', name: 'SIM_TEST', amount: 25_000_000_000n } });
    expect(moved[1]?.asset).toMatchObject({ name: 'SIM_TEST', amount: 75_000_000_000n });
    expect(transfer.inputs.some((i) => i.prevTxid === issue.txid && i.vout === 3)).toBe(true);

    const reissue = chain.reissueAsset('SIM_TEST', 5n * 100_000_000n)!.tx;
    const r = reissue.outputs.map((o) => classifyScript(o.script, net));
    expect(r[0]!.addresses).toEqual(['EXReissueAssetXXXXXXXXXXXXXXY1ANQH']);
    expect(reissue.outputs[0]!.value).toBe(REISSUE_ASSET_BURN_SATS);
    expect(r.at(-1)).toMatchObject({ type: 'reissue_asset', asset: { name: 'SIM_TEST', amount: 500_000_000n } });
    expect(r.at(-2)).toMatchObject({ type: 'transfer_asset', asset: { name: 'SIM_TEST!' } });
    expect(chain.assets.get('SIM_TEST')!.supply).toBe(100_500_000_000n);
    expect(() => chain.issueAsset('SIM_TEST')).toThrow(/already exists/);
    expect(() => chain.issueAsset('_BAD')).toThrow(/invalid asset name/);
  });

  it('pays an address on demand, ours or foreign, and rejects other networks\' addresses', () => {
    const chain = makeChain();
    const net = NETWORKS['evrmore-main'];
    const foreign = 'EXBurnXXXXXXXXXXXXXXXXXXXXXXZ8ZjfN';
    const tx = chain.sendTo(foreign, 12_345n).tx;
    expect(tx.outputs.some((o) => o.value === 12_345n && classifyScript(o.script, net).addresses?.[0] === foreign)).toBe(true);
    const mine = chain.wallets[3]!.address;
    expect(chain.sendTo(mine, 1n * 100_000_000n).tx.outputs.some((o) => classifyScript(o.script, net).addresses?.[0] === mine)).toBe(true);
    expect(() => chain.sendTo('mzBc4XEFSdzCDcTxAgf6EZXgsZWpztRhef', 1n)).toThrow(expect.objectContaining({ code: 'CHAINFAN_DECODE_FAILED' }));
  });

  it('mines mempool txs oldest first, bounded per block, and tracks median time and chain work', () => {
    const chain = makeChain({ maxTxPerBlock: 5 });
    const ids = Array.from({ length: 8 }, () => chain.createTx().tx.txid);
    const first = chain.mineBlock();
    expect(first.block.txs.slice(1).map((t) => t.txid)).toEqual(ids.slice(0, 5));
    expect(chain.mempool.size).toBe(3);
    const second = chain.mineBlock();
    expect(second.block.txs.length).toBe(4);
    expect(chain.mempool.size).toBe(0);
    expect(second.chainwork).toBeGreaterThan(first.chainwork);
    expect(second.mediantime).toBe(first.block.header.time); // median of [genesis, first, second]
    expect(chain.store.confirmations(first)).toBe(2);
  });

  it('reorgs: old blocks leave the active chain, their txs are re-mined first, coins stay consistent', () => {
    const chain = grow(makeChain());
    const oldTip = chain.tip();
    const oldParent = chain.store.atHeight(oldTip.height - 1)!;
    const movedTxids = [...oldParent.block.txs.slice(1), ...oldTip.block.txs.slice(1)].map((t) => t.txid);
    const pooled = [...chain.mempool.entries()].map((e) => e.tx.txid);
    const r = chain.reorg(2);
    expect(r.disconnected.map((b) => b.hash)).toEqual([oldTip.hash, oldParent.hash]);
    expect(r.connected).toHaveLength(3);
    expect(r.connected[0]!.block.header.prevHash).toBe(chain.store.atHeight(oldTip.height - 2)!.hash);
    expect(chain.tip().height).toBe(oldTip.height + 1);
    expect(chain.store.confirmations(oldTip)).toBe(-1);
    expect(chain.store.byHash(oldTip.hash)).toBe(oldTip);
    // the first replacement block re-confirms every moved tx, in the old order, before the mempool's
    expect(r.connected[0]!.block.txs.slice(1, 1 + movedTxids.length).map((t) => t.txid)).toEqual(movedTxids);
    expect(r.connected[0]!.block.txs.slice(1 + movedTxids.length).map((t) => t.txid)).toEqual(pooled);
    expect(r.readded).toEqual([]);
    for (const txid of movedTxids) expect(chain.store.isActive(chain.store.byHash(chain.store.tx(txid)!.blockHash)!)).toBe(true);
    expect(checkCoins(chain)).toBeGreaterThan(300);
    expect(() => chain.reorg(2, { newLength: 2 })).toThrow(/longer/);
  });

  it('reorgs to coinbase-only blocks put the old txs back at the front of the mempool', () => {
    const chain = makeChain({ maxTxPerBlock: 3 });
    const first = Array.from({ length: 3 }, () => chain.createTx().tx.txid);
    chain.mineBlock();
    const second = Array.from({ length: 2 }, () => chain.createTx().tx.txid);
    chain.mineBlock();
    const pending = chain.createTx().tx.txid;
    const r = chain.reorg(2, { keepTxs: false, newLength: 3 });
    expect(r.connected.map((b) => b.block.txs.length)).toEqual([1, 1, 1]);
    expect(r.readded.map((a) => a.tx.txid)).toEqual([...first, ...second]);
    expect(r.readded.map((a) => a.mempoolSequence)).toEqual([12n, 13n, 14n, 15n, 16n]); // from 1, after 6 adds + 5 removals by blocks
    expect([...chain.mempool.entries()].map((e) => e.tx.txid)).toEqual([...first, ...second, pending]);
    expect(chain.store.tx(first[0]!)!.blockHash).toBe(r.disconnected[1]!.hash); // still indexed to the stale block
    chain.mineBlock();
    chain.mineBlock();
    expect(chain.mempool.size).toBe(0);
    expect(checkCoins(chain)).toBe(6);
    expect(() => chain.reorg(0)).toThrow(RangeError);
  });

  it('regtest: 80-byte sha256d headers and m/n/2 addresses', () => {
    const chain = makeChain({ network: 'evrmore-regtest', bits: 0x207fffff });
    for (let i = 0; i < 5; i++) chain.createTx();
    const rec = chain.mineBlock();
    const header = rec.block.raw.subarray(0, 80);
    expect(rec.hash).toBe(bytesToHex(sha256d(header).reverse()));
    expect(decodeBlock(rec.block.raw, NETWORKS['evrmore-regtest']).ok).toBe(true);
    for (const w of chain.wallets) expect('mn2').toContain(w.address[0]);
  });

  it('relayed blocks carry txs the node never had in its mempool, only when the whole mempool fits', () => {
    const chain = grow(makeChain());
    const sequence = chain.mempool.sequence;
    const pooled = [...chain.mempool.entries()].map((e) => e.tx.txid);
    const first = chain.mineRelayedBlock(5);
    expect(first.block.txs.slice(1, 11).map((t) => t.txid)).toEqual(pooled);
    expect(first.block.txs).toHaveLength(16);
    const second = chain.mineRelayedBlock(5);
    expect(second.block.txs).toHaveLength(6);
    expect(chain.mempool.size).toBe(0);
    expect(chain.mempool.sequence).toBe(sequence + 10n); // only the pooled txs' removals took a mempool sequence
    for (let i = 0; i < 8; i++) chain.createTx();
    const full = makeChain({ maxTxPerBlock: 3 });
    for (let i = 0; i < 5; i++) full.createTx();
    expect(full.mineRelayedBlock(4).block.txs).toHaveLength(4); // the mempool does not fit: no foreign txs
    expect(full.mineRelayedBlock(4).block.txs).toHaveLength(4); // 2 pooled + 1 foreign fill the 3 slots
    expect(checkCoins(chain)).toBeGreaterThan(380);
    expect(checkCoins(full)).toBe(6);
    expect(() => chain.mineRelayedBlock(-1)).toThrow(RangeError);
  });

  it('evicts a tx with its descendants; the coins stay consistent for every later block', () => {
    const chain = grow(makeChain());
    for (let i = 0; i < 60; i++) chain.createTx();
    const entries = [...chain.mempool.entries()];
    const parent = entries.find((e) => entries.some((c) => c.tx.inputs.some((i) => i.prevTxid === e.tx.txid)));
    expect(parent).toBeDefined(); // the generator spends unconfirmed change, so the mempool has chains
    const victim = parent!;
    const sequence = chain.mempool.sequence;
    const evicted = chain.evictTx(victim.tx.txid);
    expect(evicted[0]!.tx.txid).toBe(victim.tx.txid);
    expect(evicted.length).toBeGreaterThan(1);
    expect(evicted.map((e) => e.mempoolSequence)).toEqual(evicted.map((_, i) => sequence + BigInt(i)));
    for (const e of evicted) expect(chain.mempool.get(e.tx.txid)).toBeUndefined();
    for (const e of evicted) e.tx.outputs.forEach((_o, vout) => expect(chain.utxos.get(e.tx.txid, vout)).toBeUndefined());
    for (let b = 0; b < 3; b++) {
      for (let i = 0; i < 20; i++) chain.createTx();
      chain.mineBlock();
    }
    expect(checkCoins(chain)).toBeGreaterThan(400);
    expect(() => chain.evictTx(victim.tx.txid)).toThrow(RangeError);
  });

  it('reloadMempool re-accepts every mempool tx in order with mempool sequences from 1', () => {
    const chain = grow(makeChain());
    const before = [...chain.mempool.entries()].map((e) => e.tx.txid);
    const reloaded = chain.reloadMempool();
    expect(reloaded.map((a) => a.tx.txid)).toEqual(before);
    expect(reloaded.map((a) => a.mempoolSequence)).toEqual(before.map((_, i) => BigInt(i + 1)));
    expect(reloaded.every((a) => a.fee > 0n)).toBe(true);
  });
});
