export { type Decoded, ok, fail } from './decoded.js';
export { ChainfanError, type ChainfanErrorCode, assertNever } from './errors.js';
export {
  BUS_CHANNELS, type BaseChannel, type BusChannel, type TxsPartition, MAX_TXS_PARTITIONS, isBusChannel, baseChannel, txsChannels, busChannelsFor, txsPartitionOf,
} from './channels.js';
export {
  ENVELOPE_VERSION, MAX_ENVELOPE_BYTES, type RoutingKeys, type OutgoingEnvelope, type Envelope, type EnvelopeDecodeError,
  encodeEnvelopeTail, composeWire, decodeEnvelope,
} from './envelope.js';
export { MAX_TOPIC_LENGTH, type TopicKind, TOPIC_KINDS, type Topic, type TopicError, parseTopic, channelsForTopic, channelsOfTopic } from './topics.js';
export { CLOSE, ERROR } from './codes.js';
export { DEFAULT_MAX_JSON_DEPTH, type JsonParseError, type JsonParsed, type JsonLimits, jsonTooDeep, parseJsonBounded } from './json-bounded.js';
export { type BackoffPolicy, DEFAULT_BACKOFF, backoffMs } from './backoff.js';
export type {
  Dialect, ClientCommand, ClientError, ClientErrorReason, SubscriptionAction, Target, RequestRef, Ack, Reply, StatusView,
  DerivedStream, DerivedState, DerivedOutput, DialectLimits, DialectCloseCause,
} from './dialects/dialect.js';
export { createEvrmoreRpcDialect, evrmoreRpcDialect, EVRMORE_RPC_MAX_COMMAND_BYTES, EVRMORE_RPC_PING_INTERVAL_MS } from './dialects/evrmore-rpc.js';
export { chainfanDialect } from './dialects/chainfan.js';
export { theBlockDialect, THE_BLOCK_STREAMS } from './dialects/the-block.js';
export { zionDialect, ZION_CHANNELS, zionChannelTarget } from './dialects/zion.js';
export { createRustoriumDialect, rustoriumDialect, RUSTORIUM_CODES, type RustoriumOptions } from './dialects/rustorium.js';
export { REJECT, type RejectKind } from './codes.js';
export {
  type StreamPosition, type Since, type SinceError, type ResyncReason, type ResyncNotice, START_POSITION, decodePosition, decodeSince, decodeResume, decodeBlockPosition, type BlockPosition, type Resume,
  fitSince, VOID_EPOCH,
  encodePositions,
} from './positions.js';
export type { DialectHeartbeat } from './dialects/dialect.js';
export { type Cancel, type Clock, systemClock } from './clock.js';
export { ManualClock } from './manual-clock.js';
export { rpcEndpoint, type RpcEndpoint } from './rpc-endpoint.js';
export { maskUrl, rootCause } from './mask-url.js';
