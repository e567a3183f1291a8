// Node entry (`@chainfan/client/node`): the public API, with ChainfanClient defaulting to `ws` where the runtime
// has no global WebSocket (Node 20). Kept apart so browser bundles never pull in 'ws'.
import { WebSocket as Ws } from 'ws';
import { ChainfanClient as BaseChainfanClient, type ChainfanClientOptions } from './chainfan-client.js';
import type { WebSocketConstructor } from './websocket.js';

// everything else is the browser-safe API unchanged; the local ChainfanClient below shadows the star export
export * from './index.js';

/** The runtime's global WebSocket when it has one (Node ≥ 22), else `ws`. */
export const nodeWebSocket: WebSocketConstructor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? Ws;

/** ChainfanClient whose `WebSocket` option defaults to nodeWebSocket; instances are also root ChainfanClients. */
export class ChainfanClient extends BaseChainfanClient {
  constructor(opts: ChainfanClientOptions) {
    super({ WebSocket: nodeWebSocket, ...opts });
  }
}
