// Rustorium's events mapped onto Evrmore data (decision record 0009): `new_block` from blocks (at the tip, or once a
// block is k deep), `tx_confirmed` when a transaction reaches exactly the subscribed number of confirmations, and
// `state_update` for each asset output confirmed in a block (the asset registry is Evrmore's key-value state).
import type { Envelope } from '../envelope.js';
import { builtinTopic, type Topic } from '../topics.js';
import { AssetConfirmations, type ConfirmedAssetMove } from './asset-confirmations.js';
import type { DerivedOutput, DerivedState, DerivedStream } from './dialect.js';
import { BoundedMap, type JsonObject, num, parseBody, isoSeconds, str } from './json-frame.js';

/** Blocks remembered for `new_block` at depth k: enough for any depth the ingestor reports. */
const RECENT_BLOCKS = 256;

const topic = builtinTopic;

/** Rustorium shows hashes as 0x-prefixed hex; Evrmore's are plain hex in the same (RPC display) byte order. */
export const hex0x = (h: string): string => `0x${h}`;

function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

function bytesToBase64(b: Uint8Array): string {
  let bin = '';
  for (const x of b) bin += String.fromCharCode(x);
  return btoa(bin);
}

const utf8 = new TextEncoder();

/** canonical block body (`getblock <hash> 1`) → `new_block.data` */
export function newBlockData(b: JsonObject): Record<string, unknown> {
  const prev = b['previousblockhash'];
  return {
    number: num(b['height'], 0),
    hash: hex0x(str(b['hash'], '')),
    parent_hash: typeof prev === 'string' ? hex0x(prev) : null,
    timestamp: isoSeconds(num(b['time'], 0) * 1000),
    transactions: Array.isArray(b['tx']) ? b['tx'].filter((t): t is string => typeof t === 'string').map(hex0x) : [],
  };
}

export function newBlockFrame(data: Record<string, unknown>): string {
  return JSON.stringify({ type: 'new_block', id: `block-${String(data['number'])}`, data, error: null });
}

class BlocksAtDepth implements DerivedState {
  readonly #recent = new BoundedMap<string, Record<string, unknown>>(RECENT_BLOCKS);

  add(env: Envelope, out: DerivedOutput): void {
    if (env.channel === 'blocks' && env.kind === 'block') {
      const b = parseBody(env.body);
      if (b !== undefined) this.#recent.set(str(b['hash'], ''), newBlockData(b));
      return;
    }
    if (env.channel !== 'chain' || env.kind !== 'confirmations') return;
    const d = parseBody(env.body);
    const blocks = Array.isArray(d?.['blocks']) ? (d['blocks'] as unknown[]) : [];
    for (const x of blocks) {
      if (typeof x !== 'object' || x === null) continue;
      const k = String(num((x as JsonObject)['confirmations'], 0));
      if (!out.wants(k)) continue;
      const data = this.#recent.get(str((x as JsonObject)['hash'], ''));
      if (data !== undefined) out.emit(k, newBlockFrame(data)); // a block from before this edge listened is not known
    }
  }
}

class TxConfirmations implements DerivedState {
  add(env: Envelope, out: DerivedOutput): void {
    if (env.kind !== 'tx_status') return;
    const b = parseBody(env.body);
    if (b === undefined || b['status'] !== 'confirmed') return;
    const k = num(b['confirmations'], 0);
    if (!out.wants(String(k))) return;
    const txid = str(b['txid'], '');
    const data = { tx_hash: hex0x(txid), block_number: num(b['height'], 0), timestamp: isoSeconds(env.ts), confirmations: k };
    out.emit(String(k), JSON.stringify({ type: 'tx_confirmed', id: `tx-${txid}-${k}`, data, error: null }));
  }
}

export function stateUpdateFrame(m: ConfirmedAssetMove): string {
  const value = { asset: m.asset, amount: m.amount, type: m.type, address: m.address, txid: m.txid, vout: m.vout };
  const data = {
    key: hex0x(bytesToHex(utf8.encode(m.asset))),
    value: bytesToBase64(utf8.encode(JSON.stringify(value))),
    block_number: m.height,
    timestamp: isoSeconds(m.ts),
  };
  return JSON.stringify({ type: 'state_update', id: `state-${m.txid}-${m.vout}`, data, error: null });
}

class AssetState implements DerivedState {
  readonly #moves = new AssetConfirmations();

  add(env: Envelope, out: DerivedOutput): void {
    for (const m of this.#moves.add(env)) if (out.wants('')) out.emit('', stateUpdateFrame(m));
  }
}

export const NEW_BLOCK_STREAM: DerivedStream = Object.freeze<DerivedStream>({
  name: 'new_block', channels: ['blocks', 'chain'], aclTopics: [topic('blocks')], create: () => new BlocksAtDepth(),
});

export const TX_CONFIRMED_STREAM: DerivedStream = Object.freeze<DerivedStream>({
  name: 'tx_confirmed', channels: ['status'], aclTopics: [topic('transactions')], create: () => new TxConfirmations(),
});

export const STATE_STREAM: DerivedStream = Object.freeze<DerivedStream>({
  name: 'state', channels: ['assets', 'status'], aclTopics: [topic('assets')], create: () => new AssetState(),
});

export const BLOCKS_TOPIC = topic('blocks');
