// Public API of @chainfan/edge: the Edge worker, its config, and the role's composition root.
export { Edge, type EdgeDeps, type EdgeStats } from './edge.js';
export {
  type EdgeConfig, type SlowClientPolicy, type EdgeEnv, DEFAULT_EDGE_CONFIG, edgeConfig, edgeEnv, loadEdgeEnv, edgeConfigFromEnv,
} from './config.js';
export { startEdgeApp, type EdgeApp } from './app.js';
export { type Clock, type Cancel, systemClock } from './clock.js';
export type { Session } from './session.js';
export type { WsTransport, WsTransportOptions, WsHandlers, WsConnection, SendResult, CloseCause, UpgradeRequest } from './transport/ws-transport.js';
