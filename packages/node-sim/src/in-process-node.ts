// The simulated node without its sockets: the chain and its RPC answers, called in-process. NodeSim puts ZMQ and
// HTTP around the same pieces; logic tests of its clients (the ingestor) drive this one with a ManualClock.
import type { Clock } from './clock.js';
import { resolveNodeSimOptions, type NodeSimOptions, type ResolvedNodeSimOptions } from './options.js';
import { randomInt, type Random, seededRandom } from './random.js';
import { createRpcDispatch } from './rpc-methods.js';
import type { RpcDispatch } from './rpc-server.js';
import { SimChain } from './sim-chain.js';

/** The chain NodeSim starts with: `initialBlocks` mined a minute apart up to now, without notifications. */
export function createSimChain(o: ResolvedNodeSimOptions, clock: Pick<Clock, 'now'>, random: Random): SimChain {
  const nowSec = Math.floor(clock.now() / 1_000);
  const chain = new SimChain(
    {
      network: o.network, seed: o.seed, random, now: () => clock.now(), walletCount: o.wallets, maxTxPerBlock: o.maxTxPerBlock,
      coinbaseMaturity: o.coinbaseMaturity, witnessCommitment: o.witnessCommitment, bits: o.bits, feeRateSatsPerVbyte: o.feeRateSatsPerVbyte,
    },
    nowSec - o.initialBlocks * 60,
  );
  // History the node already had before anyone listened: no notifications, as during initial block download.
  for (let i = 1; i <= o.initialBlocks; i++) {
    for (let n = randomInt(random, 0, 3); n > 0; n--) chain.createTx();
    chain.mineBlock(nowSec - (o.initialBlocks - i) * 60);
  }
  return chain;
}

export interface InProcessNode {
  readonly chain: SimChain;
  /** one JSON-RPC call as the HTTP server answers it (bigints as numbers); throws the node's RPC errors */
  call(method: string, params: readonly unknown[]): unknown;
}

export function inProcessNode(options: NodeSimOptions & { readonly clock: Clock }): InProcessNode {
  const { clock } = options;
  const o = resolveNodeSimOptions(options, clock, (err) => {
    throw err;
  });
  const chain = createSimChain(o, clock, o.random ?? seededRandom(o.seed));
  const startedAtMs = clock.now();
  const dispatch: RpcDispatch = createRpcDispatch({ chain, now: () => clock.now(), startedAtMs: () => startedAtMs, peers: [], coreMempoolSequence: o.zmqSequence });
  return {
    chain,
    // the wire's JSON, so callers see what an HTTP client would (no bigints, no shared objects)
    call: (method, params) => JSON.parse(JSON.stringify(dispatch(method, params) ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as unknown,
  };
}
