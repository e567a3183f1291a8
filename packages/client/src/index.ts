// Public API of @chainfan/client (browser-safe: nothing here imports 'ws'; Node users import '@chainfan/client/node').
export {
  ChainfanClient,
  type ChainfanClientOptions,
  type ChainfanClientEvents,
  type ClientState,
  type CloseInfo,
  type ReconnectInfo,
  type OverflowInfo,
  type ResyncInfo,
} from './chainfan-client.js';
export { PositionTracker, type Position } from './position-tracker.js';
export { ChainfanClientError, type ChainfanClientErrorCode } from './errors.js';
export { DEFAULT_RECONNECT, type ReconnectPolicy } from './backoff.js';
export type { Cancel, ClientClock, Clock } from './clock.js';
export { clientSystemClock } from './clock.js';
export type { WebSocketLike, WebSocketConstructor } from './websocket.js';
export { decodeServerFrame, type FrameError } from './decode-frame.js';
export { splitBatchedFrame, withBatchQuery } from './batch-frames.js';
export type {
  ChainfanMessage,
  KnownMessageType,
  BlockMessage,
  BlockData,
  TransactionMessage,
  TransactionData,
  TxInput,
  TxOutput,
  ScriptSig,
  ScriptPubKey,
  AssetMessage,
  AssetData,
  MempoolMessage,
  MempoolData,
  SequenceMessage,
  SequenceData,
  SubscriptionMessage,
  SubscriptionData,
  ErrorMessage,
  ErrorData,
  UnknownMessage,
  StreamPositioned,
  ResyncData,
} from './messages.js';
