// The fields evrmore-rpc's documented Block and Transaction messages show beyond the node's own JSON: `tx_count` on
// blocks, `vin_count` / `vout_count` on transactions, and the optional keys of its models (`nextblockhash` of a tip
// block; `blockhash`, `confirmations`, `time`, `blocktime` of a mempool transaction) as null rather than absent.
// They are spliced into the canonical body, which stays the node's shape for every other reader.
import type { Envelope } from '../envelope.js';
import { parseBody } from './json-frame.js';

/** Optional keys of the documented Transaction model that a transaction outside a block has no value for. */
const UNMINED_TX_KEYS = ['blockhash', 'confirmations', 'time', 'blocktime'] as const;

const count = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

/** `,"key":value…` to insert before the body's closing brace; '' when there is nothing to add (or no object body). */
export function documentedExtras(env: Envelope): string {
  if (env.kind !== 'block' && env.kind !== 'tx') return '';
  const b = parseBody(env.body);
  if (b === undefined) return '';
  let out = '';
  // only node-shaped bodies (a block with its `tx` list, a transaction with `vin` and `vout`) get the documented
  // additions: the counts are of those lists
  if (env.kind === 'block') {
    if (!Array.isArray(b['tx'])) return '';
    if (!Object.hasOwn(b, 'tx_count')) out += `,"tx_count":${count(b['tx'])}`;
    if (!Object.hasOwn(b, 'nextblockhash')) out += ',"nextblockhash":null';
    if (!Object.hasOwn(b, 'previousblockhash')) out += ',"previousblockhash":null';
    return out;
  }
  if (!Array.isArray(b['vin']) || !Array.isArray(b['vout'])) return '';
  if (!Object.hasOwn(b, 'vin_count')) out += `,"vin_count":${count(b['vin'])}`;
  if (!Object.hasOwn(b, 'vout_count')) out += `,"vout_count":${count(b['vout'])}`;
  for (const k of UNMINED_TX_KEYS) if (!Object.hasOwn(b, k)) out += `,"${k}":null`;
  return out;
}

/** The body with `extras` spliced in before its closing brace (bodies are compact JSON objects from the ingestor). */
export function withExtras(body: string, extras: string): string {
  if (extras === '' || body.length < 2 || !body.endsWith('}')) return body;
  return body.length === 2 ? `{${extras.slice(1)}}` : `${body.slice(0, -1)}${extras}}`;
}
