// The RPC methods the simulator answers, with Evrmore's JSON shapes (via @chainfan/chain) and bitcoind's errors.
import { amountValue, bitsToDifficulty, blockToJson, bytesToHex, chainworkToHex, headerToJson, txToJson, type Transaction } from '@chainfan/chain';
import type { BlockRecord } from './chain-store.js';
import type { MempoolEntry } from './mempool.js';
import type { RpcDispatch } from './rpc-server.js';
import { RPC_ERROR, RpcError } from './rpc-error.js';
import { boolParam, hashParam, intParam, verboseFlagParam, verbosityParam } from './rpc-params.js';
import type { SimChain } from './sim-chain.js';

export interface RpcContext {
  readonly chain: SimChain;
  /** Milliseconds since the epoch. */
  now(): number;
  /** When the node (last) started, for `uptime`. */
  startedAtMs(): number;
  readonly peers: readonly FakePeer[];
  /**
   * Answer as Bitcoin Core ≥ 0.21 (a node with the `sequence` topic): getrawmempool takes a second argument,
   * `mempool_sequence`. Evrmore's getrawmempool has only `verbose` and rejects a second argument. Default false.
   */
  readonly coreMempoolSequence?: boolean;
}

export interface FakePeer {
  readonly id: number;
  readonly addr: string;
  readonly inbound: boolean;
  readonly conntime: number;
  readonly pingtime: number;
}

interface Method {
  /** Parameter names in order, for calls with named (object) params. */
  readonly params: readonly string[];
  run(args: readonly unknown[]): unknown;
}

const CHAIN_NAMES = { 'evrmore-main': 'main', 'evrmore-test': 'test', 'evrmore-regtest': 'regtest' } as const;
/** What Evrmore 1.0.5 reports; clients branch on `version` for feature checks. */
const CLIENT_VERSION = 1_000_500;
const SUBVERSION = '/Evrmore:1.0.5/';
const PROTOCOL_VERSION = 70_028;
/** The default -minrelaytxfee, in EVR/kB. */
const MIN_RELAY_FEE = 0.01;
const MAX_MEMPOOL_BYTES = 300_000_000;

export function createRpcDispatch(ctx: RpcContext): RpcDispatch {
  const methods = rpcMethods(ctx);
  return (name, params) => {
    const m = methods[name];
    if (m === undefined) throw new RpcError(RPC_ERROR.methodNotFound, 'Method not found');
    let args: readonly unknown[];
    if (Array.isArray(params)) args = params;
    else {
      const named = params as Readonly<Record<string, unknown>>;
      const unknownName = Object.keys(named).find((k) => !m.params.includes(k));
      if (unknownName !== undefined) throw new RpcError(RPC_ERROR.invalidParameter, `Unknown named parameter ${unknownName}`);
      args = m.params.map((p) => named[p]);
    }
    if (args.length > m.params.length) throw new RpcError(RPC_ERROR.miscError, `${name} ${m.params.join(' ')}`.trim());
    return m.run(args);
  };
}

function rpcMethods(ctx: RpcContext): Readonly<Record<string, Method>> {
  const { chain } = ctx;
  const store = chain.store;

  const blockByHash = (v: unknown): BlockRecord => {
    const rec = store.byHash(hashParam(v, 'blockhash'));
    if (rec === undefined) throw new RpcError(RPC_ERROR.invalidAddressOrKey, 'Block not found');
    return rec;
  };
  const blockCtx = (rec: BlockRecord) => {
    // the block's own parent, as a node reports it: for a block off the active chain it is not the active one
    const prev = rec.height > 0 ? rec.block.header.prevHash : undefined;
    const next = store.isActive(rec) ? store.atHeight(rec.height + 1) : undefined;
    return {
      height: rec.height,
      confirmations: store.confirmations(rec),
      mediantime: rec.mediantime,
      chainwork: chainworkToHex(rec.chainwork),
      ...(prev === undefined ? {} : { previousblockhash: prev }),
      ...(next === undefined ? {} : { nextblockhash: next.hash }),
    };
  };
  const difficulty = (): number => bitsToDifficulty(store.tip().block.header.bits);
  const chainName = CHAIN_NAMES[chain.networkName];

  return {
    getblockcount: { params: [], run: () => store.height },
    getbestblockhash: { params: [], run: () => store.tip().hash },
    getdifficulty: { params: [], run: difficulty },
    uptime: { params: [], run: () => Math.floor((ctx.now() - ctx.startedAtMs()) / 1_000) },
    getconnectioncount: { params: [], run: () => ctx.peers.length },

    getblockhash: {
      params: ['height'],
      run: ([h]) => {
        const rec = store.atHeight(intParam(h));
        if (rec === undefined) throw new RpcError(RPC_ERROR.invalidParameter, 'Block height out of range');
        return rec.hash;
      },
    },

    getblock: {
      params: ['blockhash', 'verbosity'],
      run: ([hash, verbosity]) => {
        const rec = blockByHash(hash);
        const v = verbosityParam(verbosity, 1);
        if (v <= 0) return bytesToHex(rec.block.raw);
        return blockToJson(rec.block, chain.network, blockCtx(rec), v >= 2 ? 2 : 1);
      },
    },

    getblockheader: {
      params: ['blockhash', 'verbose'],
      run: ([hash, verbose]) => {
        const rec = blockByHash(hash);
        if (!boolParam(verbose, true)) return bytesToHex(rec.block.raw.subarray(0, rec.block.header.format));
        return headerToJson(rec.block.header, { ...blockCtx(rec), nTx: rec.block.txs.length });
      },
    },

    getrawtransaction: {
      params: ['txid', 'verbose'],
      run: ([txidParam, verbose]) => {
        const txid = hashParam(txidParam, 'parameter 1');
        const verboseOut = verboseFlagParam(verbose, false);
        const pooled = chain.mempool.get(txid);
        const located = pooled === undefined ? store.tx(txid) : undefined;
        const tx: Transaction | undefined = pooled?.tx ?? located?.tx;
        if (tx === undefined) {
          throw new RpcError(RPC_ERROR.invalidAddressOrKey, 'No such mempool or blockchain transaction. Use gettransaction for wallet transactions.');
        }
        if (!verboseOut) return bytesToHex(tx.raw);
        if (located === undefined) return txToJson(tx, chain.network);
        const rec = store.byHash(located.blockHash) as BlockRecord;
        const active = store.isActive(rec);
        return txToJson(tx, chain.network, {
          blockhash: rec.hash,
          height: active ? rec.height : -1,
          confirmations: active ? store.confirmations(rec) : 0,
          time: rec.block.header.time,
        });
      },
    },

    getrawmempool: {
      params: ctx.coreMempoolSequence === true ? ['verbose', 'mempool_sequence'] : ['verbose'],
      run: ([verbose, withSequence]) => {
        const entries = [...chain.mempool.entries()];
        const sequenced = boolParam(withSequence, false);
        if (!boolParam(verbose, false)) {
          const txids = entries.map((e) => e.tx.txid);
          return sequenced ? { txids, mempool_sequence: chain.mempool.sequence } : txids;
        }
        if (sequenced) throw new RpcError(RPC_ERROR.invalidParameter, 'Verbose results cannot contain mempool sequence values.');
        return Object.fromEntries(entries.map((e) => [e.tx.txid, mempoolEntryJson(chain, e)]));
      },
    },

    getmempoolinfo: {
      params: [],
      run: () => ({
        size: chain.mempool.size,
        bytes: chain.mempool.bytes,
        usage: chain.mempool.bytes * 4, // the node reports malloc usage; about 4x the serialized size in practice
        maxmempool: MAX_MEMPOOL_BYTES,
        mempoolminfee: MIN_RELAY_FEE,
      }),
    },

    getblockchaininfo: {
      params: [],
      run: () => {
        const tip = store.tip();
        return {
          chain: chainName,
          blocks: tip.height,
          headers: tip.height,
          bestblockhash: tip.hash,
          difficulty: difficulty(),
          mediantime: tip.mediantime,
          verificationprogress: 1,
          chainwork: chainworkToHex(tip.chainwork),
          size_on_disk: store.totalBytes,
          pruned: false,
          softforks: [],
          bip9_softforks: {},
          warnings: '',
        };
      },
    },

    getnetworkinfo: {
      params: [],
      run: () => ({
        version: CLIENT_VERSION,
        subversion: SUBVERSION,
        protocolversion: PROTOCOL_VERSION,
        localservices: '000000000000040d',
        localrelay: true,
        timeoffset: 0,
        networkactive: true,
        connections: ctx.peers.length,
        networks: ['ipv4', 'ipv6', 'onion'].map((name) => ({ name, limited: false, reachable: name !== 'onion', proxy: '', proxy_randomize_credentials: false })),
        relayfee: MIN_RELAY_FEE,
        incrementalfee: MIN_RELAY_FEE,
        localaddresses: [],
        warnings: '',
      }),
    },

    getnettotals: {
      params: [],
      // Traffic that follows the chain: every block and mempool byte came in once and went out to the other peers.
      run: () => {
        const chainBytes = store.totalBytes + chain.mempool.bytes;
        return {
          totalbytesrecv: ctx.peers.reduce((sum, p) => sum + peerBytesRecv(p), 0) + chainBytes,
          totalbytessent: ctx.peers.reduce((sum, p) => sum + peerBytesSent(p), 0) + chainBytes * Math.max(1, ctx.peers.length - 1),
          timemillis: ctx.now(),
          uploadtarget: { timeframe: 86_400, target: 0, target_reached: false, serve_historical_blocks: true, bytes_left_in_cycle: 0, time_left_in_cycle: 0 },
        };
      },
    },

    getpeerinfo: {
      params: [],
      run: () => {
        const nowSec = Math.floor(ctx.now() / 1_000);
        return ctx.peers.map((p) => ({
          id: p.id,
          addr: p.addr,
          addrlocal: '127.0.0.1:8820',
          services: '000000000000040d',
          relaytxes: true,
          lastsend: nowSec,
          lastrecv: nowSec,
          bytessent: peerBytesSent(p),
          bytesrecv: peerBytesRecv(p),
          conntime: p.conntime,
          timeoffset: 0,
          pingtime: p.pingtime,
          minping: p.pingtime,
          version: PROTOCOL_VERSION,
          subver: SUBVERSION,
          inbound: p.inbound,
          addnode: false,
          startingheight: Math.max(0, store.height - 10),
          banscore: 0,
          synced_headers: store.height,
          synced_blocks: store.height,
          inflight: [],
          whitelisted: false,
        }));
      },
    },

    getmininginfo: {
      params: [],
      run: () => {
        const tip = store.tip();
        return {
          blocks: tip.height,
          currentblockweight: tip.block.weight,
          currentblocktx: tip.block.txs.length - 1,
          difficulty: difficulty(),
          networkhashps: (difficulty() * 2 ** 32) / 60, // Evrmore targets 60-second blocks
          pooledtx: chain.mempool.size,
          chain: chainName,
          warnings: '',
        };
      },
    },
  };
}

function mempoolEntryJson(chain: SimChain, e: MempoolEntry): Record<string, unknown> {
  const ancestors = relatives(e, (x) => x.depends, chain);
  const children = new Map<string, string[]>();
  for (const other of chain.mempool.entries()) for (const d of other.depends) children.set(d, [...(children.get(d) ?? []), other.tx.txid]);
  const descendants = relatives(e, (x) => children.get(x.tx.txid) ?? [], chain);
  const sum = (xs: readonly MempoolEntry[], f: (x: MempoolEntry) => number | bigint): number => xs.reduce((s, x) => s + Number(f(x)), 0);
  const fee = amountValue(e.fee);
  return {
    size: e.tx.vsize,
    fee,
    modifiedfee: fee,
    time: e.time,
    height: e.height,
    descendantcount: descendants.length + 1,
    descendantsize: sum(descendants, (x) => x.tx.vsize) + e.tx.vsize,
    descendantfees: sum(descendants, (x) => x.fee) + Number(e.fee),
    ancestorcount: ancestors.length + 1,
    ancestorsize: sum(ancestors, (x) => x.tx.vsize) + e.tx.vsize,
    ancestorfees: sum(ancestors, (x) => x.fee) + Number(e.fee),
    wtxid: e.tx.wtxid,
    depends: [...e.depends],
  };
}

/** Transitive closure over `edges` within the mempool, excluding `start`. */
function relatives(start: MempoolEntry, edges: (e: MempoolEntry) => readonly string[], chain: SimChain): MempoolEntry[] {
  const seen = new Map<string, MempoolEntry>();
  const stack = [...edges(start)];
  for (let txid = stack.pop(); txid !== undefined; txid = stack.pop()) {
    if (seen.has(txid)) continue;
    const e = chain.mempool.get(txid);
    if (e === undefined) continue;
    seen.set(txid, e);
    stack.push(...edges(e));
  }
  return [...seen.values()];
}

/** Fixed per-peer handshake and ping traffic (getpeerinfo), part of getnettotals' totals. */
function peerBytesSent(p: FakePeer): number {
  return 1_000_000 + p.id * 4_321;
}

function peerBytesRecv(p: FakePeer): number {
  return 2_000_000 + p.id * 8_765;
}
