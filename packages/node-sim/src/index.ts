// Public API of @chainfan/node-sim: a simulated Evrmore node (real blocks/txs with assets, ZMQ PUB, JSON-RPC).
export { NodeSim, type NodeSimEndpoints, type NodeSimReorg, type BurstOptions, type RestartOptions } from './node-sim.js';
export { type NodeSimOptions, NODE_SIM_DEFAULTS, resolveNodeSimOptions, type ResolvedNodeSimOptions } from './options.js';
export { inProcessNode, type InProcessNode } from './in-process-node.js';
export { SimChain, type SimChainOptions, type AcceptedTx, type EvictedTx, type ReorgOptions, type ReorgResult } from './sim-chain.js';
export type { BlockRecord, TxLocation } from './chain-store.js';
export type { MempoolEntry } from './mempool.js';
export type { IssueOptions, TxKind } from './tx-factory.js';
export type { Wallet } from './wallet.js';
export type { AssetInfo } from './asset-registry.js';
export { type SimNetworkName, ISSUE_ASSET_BURN_SATS, REISSUE_ASSET_BURN_SATS } from './burn-addresses.js';
export { ZMQ_TOPICS, ZMQ_PROBE_TOPIC, type ZmqTopic } from './zmq-notifier.js';
export { RPC_ERROR } from './rpc-error.js';
export { type Clock, type Cancel, systemClock } from './clock.js';
export { type Random, seededRandom } from './random.js';
