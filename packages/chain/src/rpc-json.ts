// The Evrmore node's RPC JSON shapes (getrawtransaction true, getblock 1/2, getblockheader), keys in the node's order.
import { bytesToHex } from './bytes.js';
import type { Block } from './block.js';
import { bitsToDifficulty } from './difficulty.js';
import type { BlockHeader } from './header.js';
import type { Network } from './networks.js';
import type { AssetOutput } from './asset.js';
import type { NullAssetData } from './null-asset.js';
import { base58checkEncode } from './base58.js';
import { classifyScript } from './script-classify.js';
import { disassembleScriptSig } from './script-asm.js';
import type { Transaction } from './tx.js';

const COIN = 100_000_000n;

/** ValueFromAmount's text: sign, integer part, '.', 8 decimals ("2778.00000000"). Exact for any int64. */
export function formatAmount(sats: bigint): string {
  const neg = sats < 0n;
  const abs = neg ? -sats : sats;
  return `${neg ? '-' : ''}${abs / COIN}.${(abs % COIN).toString().padStart(8, '0')}`;
}

/**
 * The JSON number the node prints for an amount. JavaScript numbers drop trailing zeros and round beyond 2^53 /
 * 1e8 coins; a server that must reproduce the node's bytes exactly can print `formatAmount` instead.
 */
export function amountValue(sats: bigint): number {
  // Below 2^53 both Number(sats) and 1e8 are exact, and IEEE division rounds the true quotient once — the same double
  // that parsing the node's decimal text yields. Beyond, go through the text.
  if (sats <= MAX_EXACT && sats >= -MAX_EXACT) return Number(sats) / 1e8;
  return Number(formatAmount(sats));
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

export interface TxBlockInfo {
  blockhash: string;
  /** −1 when the block is off the active chain (the node then prints only blockhash, height −1, confirmations 0). */
  height: number;
  confirmations: number;
  time: number;
}

/** `getrawtransaction <txid> true` (TxToJSON, expanded): vout entries carry valueSat; block fields when in a block. */
export function txToJson(tx: Transaction, net: Network, inBlock?: TxBlockInfo): Record<string, unknown> {
  const out = txToUniv(tx, net, true);
  if (inBlock !== undefined) {
    out['blockhash'] = inBlock.blockhash;
    if (inBlock.height >= 0) {
      out['height'] = inBlock.height;
      out['confirmations'] = inBlock.confirmations;
      out['time'] = inBlock.time;
      out['blocktime'] = inBlock.time;
    } else {
      out['height'] = -1;
      out['confirmations'] = 0;
    }
  }
  return out;
}

/** TxToUniv(tx, uint256(), entry, include_hex = true); `valueSat` as TxToJSON appends it to each vout. */
function txToUniv(tx: Transaction, net: Network, valueSat: boolean): Record<string, unknown> {
  const vin = tx.inputs.map((i) => {
    if (tx.isCoinbase) return { coinbase: bytesToHex(i.scriptSig), sequence: i.sequence };
    const o: Record<string, unknown> = {
      txid: i.prevTxid,
      vout: i.vout,
      scriptSig: { asm: disassembleScriptSig(i.scriptSig), hex: bytesToHex(i.scriptSig) },
    };
    if (i.witness.length > 0) o['txinwitness'] = i.witness.map(bytesToHex);
    o['sequence'] = i.sequence;
    return o;
  });
  const vout = tx.outputs.map((o, n) => {
    const e: Record<string, unknown> = { value: amountValue(o.value), n, scriptPubKey: scriptPubKeyToJson(o.script, net) };
    if (valueSat) e['valueSat'] = Number(o.value);
    return e;
  });
  return {
    txid: tx.txid, hash: tx.wtxid, version: tx.version, size: tx.size, vsize: tx.vsize, locktime: tx.locktime,
    vin, vout, hex: bytesToHex(tx.raw),
  };
}

/** ScriptPubKeyToUniv(script, out, fIncludeHex = true). */
export function scriptPubKeyToJson(script: Uint8Array, net: Network): Record<string, unknown> {
  const info = classifyScript(script, net);
  const out: Record<string, unknown> = { asm: info.asm, hex: bytesToHex(script) };
  if (info.addresses === undefined || info.reqSigs === undefined) {
    out['type'] = info.type;
    return out;
  }
  out['reqSigs'] = info.reqSigs;
  out['type'] = info.type;
  if (info.type === 'new_asset' || info.type === 'transfer_asset' || info.type === 'reissue_asset') {
    out['asset'] = info.asset === undefined ? {} : assetToJson(info.asset);
  }
  if (info.type === 'nullassetdata') out['asset_data'] = info.nullAsset === undefined ? {} : nullAssetToJson(info.nullAsset, net);
  out['addresses'] = info.addresses;
  return out;
}

/**
 * The `asset` object of an asset output's scriptPubKey. `reissuable` is the int8 the node prints (real mainnet
 * replies show 1, not true). Mainnet nodes also print a garbage `expire_time` on issues (an uninitialized field);
 * that is not reproduced: expire_time appears only on transfers that carry one.
 */
export function assetToJson(a: AssetOutput): Record<string, unknown> {
  const o: Record<string, unknown> = { name: a.name, amount: amountValue(a.amount) };
  if (a.message !== undefined && a.message !== '') o['message'] = a.message;
  if (a.expireTime !== undefined && a.expireTime !== 0) o['expire_time'] = a.expireTime;
  if (a.kind === 'new' && !a.name.endsWith('!')) {
    o['units'] = a.units ?? 0;
    o['reissuable'] = a.reissuable === true ? 1 : 0;
    if (a.hasIpfs === true) o['ipfs_hash'] = a.ipfsHash ?? '';
  } else if (a.kind === 'reissue') {
    if (a.units !== undefined && a.units >= 0) o['units'] = a.units;
    o['reissuable'] = a.reissuable === true ? 1 : 0;
    if (a.ipfsHash !== undefined && a.ipfsHash !== '') o['ipfs_hash'] = a.ipfsHash;
  }
  return o;
}

function nullAssetToJson(d: NullAssetData, net: Network): Record<string, unknown> {
  switch (d.kind) {
    case 'address': {
      const address = base58checkEncode(net.pubkeyHash, d.hash160);
      if (d.assetName.startsWith('#')) {
        return { asset_name: d.assetName, qualifier_type: d.flag !== 0 ? 'adding qualifier' : 'removing qualifier', address };
      }
      if (d.assetName.startsWith('$')) {
        return { asset_name: d.assetName, restricted_type: d.flag !== 0 ? 'freezing address' : 'unfreezing address', address };
      }
      return {};
    }
    case 'global':
      return { restricted_name: d.assetName, restricted_type: d.flag !== 0 ? 'freezing' : 'unfreezing', address: 'all addresses' };
    case 'verifier':
      return { verifier_string: d.verifierString };
  }
}

/** Where a block sits in the node's index; everything getblock prints that the block bytes do not contain. */
export interface BlockContext {
  height: number;
  /** −1 when off the main chain. */
  confirmations: number;
  mediantime: number;
  /** 64 hex digits, as the node prints it (see chainworkToHex). */
  chainwork: string;
  /** Absent for the genesis block. */
  previousblockhash?: string;
  /** Absent for the tip. */
  nextblockhash?: string;
}

const ZERO_HASH = '0'.repeat(64);

/**
 * `getblock <hash> 1|2` (blockToJSON). Verbosity 2 embeds TxToUniv objects (no valueSat, no block fields). On 80-byte
 * networks `headerhash` is the sha256d header hash and `mixhash`/`nonce64` are zero.
 */
export function blockToJson(block: Block, net: Network, ctx: BlockContext, verbosity: 1 | 2): Record<string, unknown> {
  const h = block.header;
  const out: Record<string, unknown> = {
    hash: h.hash,
    confirmations: ctx.confirmations,
    strippedsize: block.strippedSize,
    size: block.size,
    weight: block.weight,
    height: ctx.height,
    version: h.version,
    versionHex: hex8(h.version),
    merkleroot: h.merkleRoot,
    tx: verbosity === 2 ? block.txs.map((t) => txToUniv(t, net, false)) : block.txs.map((t) => t.txid),
    time: h.time,
    mediantime: ctx.mediantime,
    nonce: h.nonce,
    bits: hex8(h.bits),
    difficulty: bitsToDifficulty(h.bits),
    chainwork: ctx.chainwork,
    headerhash: h.headerHash,
    mixhash: h.mixHash ?? ZERO_HASH,
    nonce64: Number(h.nonce64 ?? 0n),
  };
  if (ctx.previousblockhash !== undefined) out['previousblockhash'] = ctx.previousblockhash;
  if (ctx.nextblockhash !== undefined) out['nextblockhash'] = ctx.nextblockhash;
  return out;
}

/**
 * `getblockheader <hash> true` (blockheaderToJSON). The Evrmore node prints no `nTx` there (Core added it in 0.17), so
 * `ctx.nTx` is accepted for callers' convenience and not emitted.
 */
export function headerToJson(h: BlockHeader, ctx: BlockContext & { nTx: number }): Record<string, unknown> {
  const out: Record<string, unknown> = {
    hash: h.hash,
    confirmations: ctx.confirmations,
    height: ctx.height,
    version: h.version,
    versionHex: hex8(h.version),
    merkleroot: h.merkleRoot,
    time: h.time,
    mediantime: ctx.mediantime,
    nonce: h.nonce,
    bits: hex8(h.bits),
    difficulty: bitsToDifficulty(h.bits),
    chainwork: ctx.chainwork,
  };
  if (ctx.previousblockhash !== undefined) out['previousblockhash'] = ctx.previousblockhash;
  if (ctx.nextblockhash !== undefined) out['nextblockhash'] = ctx.nextblockhash;
  return out;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
