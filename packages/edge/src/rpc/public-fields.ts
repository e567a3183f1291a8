// What of a node command's answer may reach clients: per allow-listed command, the shape of its documented public
// result. Object fields not listed are dropped (getnetworkinfo's localaddresses and networks/proxy, validateaddress's
// wallet flags); an answer of another shape than expected is refused, never passed through. Consensus data (a
// block's tx list, a transaction's vin/vout) is public by nature and passes as a whole (`V`).

/** `V`: any JSON value, whole; `S`: a scalar (string, number, boolean, null) or an array of scalars. */
export type Shape =
  | 'V'
  | 'S'
  | { readonly object: Readonly<Record<string, Shape>> }
  | { readonly array: Shape }
  | { readonly map: Shape }
  | { readonly anyOf: readonly Shape[] };

const V = 'V' as const;
const S = 'S' as const;
const obj = (fields: Readonly<Record<string, Shape>>): Shape => ({ object: fields });
const keys = (...names: string[]): Readonly<Record<string, Shape>> => Object.fromEntries(names.map((n) => [n, S]));

const BLOCK_HEADER = keys('hash', 'confirmations', 'height', 'version', 'versionHex', 'merkleroot', 'time', 'mediantime', 'nonce', 'bits',
  'difficulty', 'chainwork', 'nTx', 'previousblockhash', 'nextblockhash', 'headerhash', 'mixhash', 'nonce64');
const BLOCK = { ...BLOCK_HEADER, ...keys('strippedsize', 'size', 'weight'), tx: V };
const TX = { ...keys('txid', 'hash', 'version', 'size', 'vsize', 'locktime', 'hex', 'blockhash', 'confirmations', 'time', 'blocktime'), vin: V, vout: V };
const MEMPOOL_ENTRY = {
  ...keys('size', 'vsize', 'fee', 'modifiedfee', 'time', 'height', 'descendantcount', 'descendantsize', 'descendantfees', 'ancestorcount',
    'ancestorsize', 'ancestorfees', 'wtxid'),
  fees: V, depends: V, spentby: V,
};
const ASSET = keys('name', 'amount', 'units', 'reissuable', 'has_ipfs', 'ipfs_hash', 'txid', 'txid_hash', 'verifier_string', 'block_height', 'blockhash');
const TXIDS_OR_ENTRIES: Shape = { anyOf: [S, { map: obj(MEMPOOL_ENTRY) }] };

/** One entry per READ_ONLY_METHODS member (a test keeps them in step): a command without a shape is refused. */
export const PUBLIC_RESULTS: ReadonlyMap<string, Shape> = new Map<string, Shape>([
  ['getbestblockhash', S],
  ['getblockcount', S],
  ['getblockhash', S],
  ['getdifficulty', S],
  ['getnetworkhashps', S],
  ['getconnectioncount', S],
  ['getblock', { anyOf: [S, obj(BLOCK)] }],
  ['getblockheader', { anyOf: [S, obj(BLOCK_HEADER)] }],
  ['getblockchaininfo', obj({
    ...keys('chain', 'blocks', 'headers', 'bestblockhash', 'difficulty', 'mediantime', 'verificationprogress', 'initialblockdownload', 'chainwork',
      'pruned', 'warnings'),
    softforks: V, bip9_softforks: V,
  })],
  ['getchaintips', { array: obj(keys('height', 'hash', 'branchlen', 'status')) }],
  ['getchaintxstats', obj(keys('time', 'txcount', 'window_final_block_hash', 'window_block_count', 'window_tx_count', 'window_interval', 'txrate'))],
  ['getmempoolancestors', TXIDS_OR_ENTRIES],
  ['getmempooldescendants', TXIDS_OR_ENTRIES],
  ['getmempoolentry', obj(MEMPOOL_ENTRY)],
  ['getmempoolinfo', obj(keys('size', 'bytes', 'usage', 'maxmempool', 'mempoolminfee', 'minrelaytxfee', 'loaded'))],
  ['getrawmempool', TXIDS_OR_ENTRIES],
  ['getrawtransaction', { anyOf: [S, obj(TX)] }],
  ['decoderawtransaction', obj(TX)],
  ['decodescript', obj({ ...keys('asm', 'hex', 'type', 'reqSigs', 'p2sh'), addresses: S, segwit: V, asset: V })],
  ['gettxout', { anyOf: [S, obj({ ...keys('bestblock', 'confirmations', 'value', 'coinbase'), scriptPubKey: V })] }],
  ['estimatesmartfee', obj({ ...keys('feerate', 'blocks'), errors: S })],
  ['getmininginfo', obj(keys('blocks', 'currentblockweight', 'currentblocktx', 'difficulty', 'networkhashps', 'pooledtx', 'chain', 'warnings', 'errors'))],
  // not: localaddresses (the node's public IPs), networks (proxies), anything added later until it is listed here
  ['getnetworkinfo', obj(keys('version', 'subversion', 'protocolversion', 'localservices', 'localrelay', 'timeoffset', 'networkactive', 'connections',
    'relayfee', 'incrementalfee', 'warnings'))],
  // not: ismine, iswatchonly, account, pubkey, hdkeypath — the node's wallet
  ['validateaddress', obj(keys('isvalid', 'address', 'scriptPubKey', 'isscript', 'iswitness', 'witness_version', 'witness_program'))],
  ['getassetdata', { anyOf: [S, obj(ASSET)] }],
  ['listassets', { anyOf: [S, { map: { anyOf: [S, obj(ASSET)] } }] }],
]);

const isScalar = (v: unknown): boolean => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `value` cut down to `shape`; undefined when it does not have that shape (the caller refuses the answer). */
export function publicPart(value: unknown, shape: Shape): { value: unknown } | undefined {
  if (shape === 'V') return { value };
  if (shape === 'S') return isScalar(value) || (Array.isArray(value) && value.every(isScalar)) ? { value } : undefined;
  if ('anyOf' in shape) {
    for (const s of shape.anyOf) {
      const r = publicPart(value, s);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) return undefined;
    const out: unknown[] = [];
    for (const item of value) {
      const r = publicPart(item, shape.array);
      if (r === undefined) return undefined;
      out.push(r.value);
    }
    return { value: out };
  }
  if (!isObject(value)) return undefined;
  const out: Record<string, unknown> = {};
  if ('map' in shape) {
    for (const [k, v] of Object.entries(value)) {
      const r = publicPart(v, shape.map);
      if (r === undefined) return undefined;
      Object.defineProperty(out, k, { value: r.value, enumerable: true, writable: true, configurable: true }); // `__proto__` stays data
    }
    return { value: out };
  }
  for (const [k, s] of Object.entries(shape.object)) {
    if (!Object.hasOwn(value, k)) continue;
    const r = publicPart(value[k], s);
    if (r === undefined) return undefined;
    out[k] = r.value;
  }
  return { value: out };
}

/** The public JSON text of `method`'s result (JSON text from the node); undefined: not a shape we may pass on. */
export function publicResult(method: string, resultJson: string): string | undefined {
  const shape = PUBLIC_RESULTS.get(method);
  if (shape === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(resultJson);
  } catch {
    return undefined; // our own NodeRpc wrote it; unreadable means refuse, not pass
  }
  const r = publicPart(parsed, shape);
  return r === undefined ? undefined : JSON.stringify(r.value);
}
