export { Ingestor, type IngestorOptions, type IngestorStatus } from './ingestor.js';
export {
  ingestorEnv, loadIngestorConfig, type IngestorConfig, INGESTOR_DEFAULTS, ingestorTuning, ingestorTuningFromEnv, type IngestorTuning,
} from './config.js';
export { startIngestorApp, type IngestorApp } from './app.js';
export { RpcClient, RpcError, type ChainRpc, type RpcClientOptions, type RpcCall } from './rpc/rpc-client.js';
export type { ChainSource, ChainNotification, NotificationTopic } from './source/chain-source.js';
export { ZMQ_TOPICS, ZmqChainSource, type ZmqChainSourceOptions } from './source/zmq-chain-source.js';
export { ScriptedChainSource } from './source/scripted-chain-source.js';
export { INGESTOR_NODE_FLAGS } from './node-flags.js';
