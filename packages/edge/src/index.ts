// Public API of @chainfan/edge: the Edge worker, its config, admission pieces, and the role's composition root.
export { Edge, type EdgeDeps, type EdgeStats } from './edge.js';
export { DialectSelector, selectDialect } from './dialect-select.js';
export { DIALECT_NAMES, type DialectName, dialectEnv, dialectSetupFromEnv, type DialectSetup, commandConfigFromEnv, type CommandConfig } from './dialects-config.js';
export { CommandProxy, type CommandOutcome, type CommandProxyOptions } from './rpc/command-proxy.js';
export { NodeRpc, type NodeRpcOptions, type NodeRpcOutcome } from './rpc/node-rpc.js';
export { READ_ONLY_METHODS } from './rpc/allow-list.js';
export { ClusterStats, type ClusterSummary, type EdgeSnapshot } from './cluster/cluster-stats.js';
export {
  type EdgeConfig, type SlowClientPolicy, type EdgeEnv, type AuthConfig, DEFAULT_EDGE_CONFIG, edgeConfig, edgeEnv, loadEdgeEnv,
  edgeConfigFromEnv, authConfigFromEnv,
} from './config.js';
export { startEdgeApp, type EdgeApp } from './app.js';
export { type Clock, type Cancel, systemClock } from './clock.js';
export type { Session } from './session.js';
export type { Subscription, SubscriptionView } from './subscriptions/socket-subscriptions.js';
export { Authenticator, type AuthenticatorOptions, type Principal, type AuthResult, type AuthFailureReason, type JwtVerification } from './auth/authenticator.js';
export { TopicAcl } from './auth/topic-acl.js';
export { OriginPolicy } from './auth/origin-policy.js';
export { StaticJwtKeys, JwksKeys, CombinedJwtKeys, type JwtKeySource, type JwksOptions } from './auth/jwt-keys.js';
export { buildAuth, type BuiltAuth } from './auth/build-auth.js';
export type {
  WsTransport, WsTransportOptions, WsHandlers, WsConnection, SendResult, CloseCause, UpgradeRequest, UpgradeDecision, HttpPostRequest, HttpAnswer,
} from './transport/ws-transport.js';
