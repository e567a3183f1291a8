// Adapter between the fidelity corpus in test-vectors/ (FIDELITY-README.md there: "How the entries are compared") and this
// package: each function takes an entry's raw input and returns an object keyed like the entry's `expect` fields.
import { tryHexToBytes, bytesToHex } from './bytes.js';
import { decodeAddress as decodeAddressCore, addressFromHash as addressFromHashCore, addressFromScript as addressFromScriptCore } from './address.js';
import { base58Decode as base58DecodeCore, base58Encode as base58EncodeCore, base58checkEncode } from './base58.js';
import { decodeAssetPush, matchAssetScript, type AssetOutput } from './asset.js';
import { decodeBlock as decodeBlockCore, witnessCommitment, type Block } from './block.js';
import { decodeHeader as decodeHeaderCore, type BlockHeader } from './header.js';
import { hash160 } from './hash.js';
import { merkleRoot as merkleRootCore } from './merkle.js';
import { NETWORKS, type HashAlgorithm, type Network, type NetworkName } from './networks.js';
import { decodeNullAssetScript } from './null-asset.js';
import { progpowFinalHash } from './progpow.js';
import { classifyScript } from './script-classify.js';
import { OP, OP_NAMES, parseOps, readOp } from './script-ops.js';
import { decodeTx as decodeTxCore, type Transaction } from './tx.js';

/** An entry's context: `chain`/`network` as in the corpus (network null for unstated Bitcoin fixtures). */
export interface FidelityContext {
  chain?: string | null;
  network?: string | null;
  headerFormat?: 80 | 120;
  hashAlgorithm?: HashAlgorithm | string;
}

type Raw = Uint8Array | string;
type Fields = Record<string, unknown>;

function bytesOf(raw: Raw): Uint8Array {
  if (typeof raw !== 'string') return raw;
  const d = tryHexToBytes(raw);
  if (!d.ok) throw new Error(`fidelity adapter: bad hex (${d.error})`);
  return d.value;
}

/**
 * The Network for a corpus context. Ravencoin regtest shares testnet's prefixes; an unstated Bitcoin network is
 * read as mainnet (no address is expected for those entries). headerFormat/hashAlgorithm override the table.
 */
export function networkFor(ctx: FidelityContext | undefined): Network {
  const chain = ctx?.chain ?? 'bitcoin';
  const network = ctx?.network ?? 'main';
  const key = `${chain}-${chain === 'ravencoin' && network === 'regtest' ? 'test' : network}`;
  const base: Network = key in NETWORKS ? NETWORKS[key as NetworkName] : OTHER_CHAINS[key] ?? NETWORKS['bitcoin-main'];
  const net: Network = { ...base };
  if (ctx?.headerFormat !== undefined) net.headerFormat = ctx.headerFormat;
  if (ctx?.hashAlgorithm !== undefined) net.hashAlgorithm = ctx.hashAlgorithm as HashAlgorithm;
  return net;
}

/**
 * Address parameters of corpus chains this package has no NetworkName for (bitcoinjs fixtures); `name` is only the
 * nearest listed network, since Network.name is a closed union.
 */
const OTHER_CHAINS: Record<string, Network> = {
  'litecoin-main': { name: 'bitcoin-main', pubkeyHash: 48, scriptHash: 50, bech32: 'ltc', headerFormat: 80, hashAlgorithm: 'sha256d' },
  'bitcoin-regtest': { name: 'bitcoin-test', pubkeyHash: 111, scriptHash: 196, bech32: 'bcrt', headerFormat: 80, hashAlgorithm: 'sha256d' },
};

/** The network whose addresses the corpus lists as `address_test` (Evrmore/Ravencoin testnet). */
function testNetworkOf(net: Network): Network | undefined {
  if (net.name.startsWith('evrmore')) return NETWORKS['evrmore-test'];
  if (net.name.startsWith('ravencoin')) return NETWORKS['ravencoin-test'];
  return undefined;
}

export function decodeTx(raw: Raw, ctx?: FidelityContext): Fields | null {
  const d = decodeTxCore(bytesOf(raw));
  if (!d.ok) return null;
  const known = ctx?.network !== null && ctx?.network !== undefined;
  return txFields(d.value, known ? networkFor(ctx) : undefined);
}

function txFields(tx: Transaction, net: Network | undefined): Fields {
  let total = 0n;
  for (const o of tx.outputs) total += o.value;
  const test = net === undefined ? undefined : testNetworkOf(net);
  return {
    txid: tx.txid, wtxid: tx.wtxid, version: tx.version, locktime: tx.locktime,
    size: tx.size, vsize: tx.vsize, weight: tx.weight, stripped_size: tx.strippedSize,
    vin_count: tx.inputs.length, vout_count: tx.outputs.length, coinbase: tx.isCoinbase, has_witness: tx.hasWitness,
    total_out_sats: total.toString(),
    vin: tx.inputs.map((i) => ({
      txid: i.prevTxid, vout: i.vout, sequence: i.sequence, scriptsig_hex: bytesToHex(i.scriptSig),
      ...(tx.isCoinbase ? { coinbase_hex: bytesToHex(i.scriptSig) } : {}),
      witness_hex: i.witness.map(bytesToHex),
    })),
    vout: tx.outputs.map((o, n) => {
      const e: Fields = { n, value_sats: o.value.toString(), script_hex: bytesToHex(o.script), asm_bitcoinjs: bitcoinjsAsm(o.script) };
      if (net !== undefined) {
        const info = classifyScript(o.script, net);
        e['type'] = info.type;
        e['asm'] = info.asm;
        if (info.addresses?.length === 1) e['address'] = info.addresses[0];
        if (test !== undefined) {
          const t = addressFromScriptCore(o.script, test);
          if (t !== undefined) e['address_test'] = t;
        }
        if (info.asset !== undefined) e['asset'] = { ...assetFields(info.asset), ...assetPushHex(o.script, net) };
      }
      return e;
    }),
  };
}

function assetFields(a: AssetOutput): Fields {
  const f: Fields = { name: a.name, amount_sats: a.amount.toString() };
  if (a.units !== undefined) f['units'] = a.units;
  if (a.reissuable !== undefined) f['reissuable'] = a.reissuable ? 1 : 0;
  if (a.hasIpfs !== undefined) f['has_ipfs'] = a.hasIpfs;
  if (a.ipfsHash !== undefined) f['ipfs_hash'] = a.ipfsHash;
  if (a.message !== undefined) f['message'] = a.message;
  if (a.expireTime !== undefined) f['expire_time'] = a.expireTime;
  return f;
}

function headerFields(h: BlockHeader): Fields {
  const f: Fields = {
    version: h.version, prev_hash: h.prevHash, merkle_root: h.merkleRoot, time: h.time, bits: h.bits,
    header_hash: h.headerHash,
  };
  // X16R/X16Rv2 hashes are not implemented ('' from blockHash): leave the field unprovided rather than wrong.
  if (h.hash !== '') f['hash'] = h.hash;
  if (h.format === 80) f['nonce'] = h.nonce;
  else {
    f['height'] = h.height;
    f['nonce64'] = h.nonce64?.toString();
    f['mix_hash'] = h.mixHash;
  }
  return f;
}

export function decodeHeader(raw: Raw, ctx?: FidelityContext): Fields | null {
  const d = decodeHeaderCore(bytesOf(raw), networkFor(ctx));
  return d.ok ? headerFields(d.value) : null;
}

export function decodeBlock(raw: Raw, ctx?: FidelityContext): Fields | null {
  const d = decodeBlockCore(bytesOf(raw), networkFor(ctx));
  return d.ok ? blockFields(d.value) : null;
}

function blockFields(b: Block): Fields {
  const f: Fields = {
    ...headerFields(b.header),
    tx_count: b.txs.length, txids: b.txs.map((t) => t.txid),
    size: b.size, stripped_size: b.strippedSize, weight: b.weight,
  };
  const wc = witnessCommitment(b);
  if (wc !== undefined) f['witness_commitment'] = wc;
  return f;
}

/** decodescript: type, asm, address, p2sh (the P2SH address of the script itself), asset. */
export function decodeScript(raw: Raw, ctx?: FidelityContext): Fields {
  const script = bytesOf(raw);
  const net = networkFor(ctx);
  const info = classifyScript(script, net);
  const f: Fields = { type: info.type, asm: info.asm, p2sh: base58checkEncode(net.scriptHash, hash160(script)) };
  if (info.addresses?.length === 1) f['address'] = info.addresses[0];
  if (info.asset !== undefined) f['asset'] = { ...assetFields(info.asset), ...assetPushHex(script, net) };
  return f;
}

/** `payload_hex`: the bytes pushed after OP_EVR_ASSET (marker ‖ type ‖ payload). */
function assetPushHex(script: Uint8Array, net: Network): Fields {
  const m = net.assetPrefix === undefined ? undefined : matchAssetScript(script, net.assetPrefix);
  if (m === undefined) return {};
  const push = readOp(script, (m.base === 'scripthash' ? 23 : 25) + 1);
  return push === undefined ? {} : { payload_hex: bytesToHex(push.data) };
}

/**
 * A bare asset push (the bytes after OP_EVR_ASSET): `evr`/`rvn` ‖ type ‖ payload, or a null-asset-data push pair.
 * Returns null when it is neither (e.g. an unknown type marker).
 */
export function decodeAssetPayload(raw: Raw): Fields | null {
  const push = bytesOf(raw);
  const a = decodeAssetPush(push);
  if (a.ok) return { asset_type: a.value.kind, ...assetFields(a.value) };
  const n = decodeNullAssetScript(Uint8Array.of(OP.OP_EVR_ASSET, ...push));
  if (n !== undefined) {
    const f: Fields = { asset_type: 'nullassetdata' };
    if (n.kind !== 'verifier') f['name'] = n.assetName;
    return f;
  }
  return null;
}

export function addressFromHash(hash: string, version: number): string {
  return addressFromHashCore(hash, version);
}

/** decodeAddress: version_byte + hash_hex, or witness_version + program_hex (+ hrp); null when invalid. */
export function decodeAddress(addr: string): Fields | null {
  const d = decodeAddressCore(addr);
  if (!d.ok) return null;
  const f: Fields = {};
  if (d.value.version !== undefined) f['version_byte'] = d.value.version;
  if (d.value.hash !== undefined) f['hash_hex'] = d.value.hash;
  if (d.value.witnessVersion !== undefined) f['witness_version'] = d.value.witnessVersion;
  if (d.value.program !== undefined) f['program_hex'] = d.value.program;
  if (d.value.hrp !== undefined) f['hrp'] = d.value.hrp;
  return f;
}

export function addressFromScript(raw: Raw, ctx?: FidelityContext): string | undefined {
  return addressFromScriptCore(bytesOf(raw), networkFor(ctx));
}

/** P2SH address paying to a redeem script (entries with `redeem_script_hex`). */
export function p2shAddressOf(redeem: Raw, ctx?: FidelityContext): string {
  return base58checkEncode(networkFor(ctx).scriptHash, hash160(bytesOf(redeem)));
}

export function base58Encode(raw: Raw): string {
  return base58EncodeCore(bytesOf(raw));
}

/** Hex of the decoded bytes; null when not base58. */
export function base58Decode(s: string): string | null {
  const d = base58DecodeCore(s);
  return d.ok ? bytesToHex(d.value) : null;
}

export function merkleRoot(txids: readonly string[]): string {
  return merkleRootCore(txids);
}

export interface PowHashInput {
  algorithm: string;
  constantsAscii: string;
  blockNumber?: number;
  headerHash: string;
  nonce64: bigint | string | number;
  mixHash: string;
}

/** ProgPoW final hash; the block number only selects the DAG epoch, which the final hash does not need. */
export function powHash(p: PowHashInput): string {
  return progpowFinalHash({ headerHash: p.headerHash, nonce64: BigInt(p.nonce64), mixHash: p.mixHash, constantsAscii: p.constantsAscii });
}

// bitcoinjs-lib's script.toASM, for fixtures that state bitcoinjs asm: minimal pushes print as opcodes, data as hex,
// opcode names with OP_ prefix (OP_0, OP_1…, OP_CHECKLOCKTIMEVERIFY). Unreadable scripts give undefined.
function bitcoinjsAsm(script: Uint8Array): string | undefined {
  const ops = parseOps(script);
  if (ops === undefined) return undefined;
  const parts: string[] = [];
  for (const o of ops) {
    let op = o.op;
    if (op <= OP.OP_PUSHDATA4) {
      const d = o.data;
      if (d.length === 0) op = OP.OP_0;
      else if (d.length === 1 && d[0]! >= 1 && d[0]! <= 16) op = OP.OP_1 + d[0]! - 1;
      else if (d.length === 1 && d[0] === 0x81) op = OP.OP_1NEGATE;
      else {
        parts.push(bytesToHex(d));
        continue;
      }
    }
    if (op === OP.OP_EVR_ASSET) return undefined;
    parts.push(BITCOINJS_NAMES[op] ?? OP_NAMES[op]!);
  }
  return parts.join(' ');
}

const BITCOINJS_NAMES: Record<number, string> = {
  [OP.OP_0]: 'OP_0', [OP.OP_1NEGATE]: 'OP_1NEGATE',
  ...Object.fromEntries(Array.from({ length: 16 }, (_, i) => [OP.OP_1 + i, `OP_${i + 1}`])),
};

