// evrmore-rpc 1.2.1 WebSocket dialect (reference/evrmore-rpc-websocket-protocol.md): what its client sends and reads,
// plus the docs' command messages. Served on any path by default; `/evrmore-rpc` or `?dialect=evrmore-rpc` force it.
import type { Dialect } from './dialect.js';
import { createEvrmoreDialect } from './evrmore-codec.js';

export { EVRMORE_RPC_MAX_COMMAND_BYTES } from './evrmore-codec.js';

/** The server's documented `ping_interval` default: a WebSocket ping every 20 s. */
export const EVRMORE_RPC_PING_INTERVAL_MS = 20_000;

/** Request ids are not part of evrmore-rpc: `id` keys are ignored and answers carry none, exactly as documented. */
export function createEvrmoreRpcDialect(opts: { readonly pingIntervalMs?: number } = {}): Dialect {
  const ping = opts.pingIntervalMs ?? EVRMORE_RPC_PING_INTERVAL_MS;
  return createEvrmoreDialect({ name: 'evrmore-rpc', requestIds: false, documentedFields: true, ...(ping > 0 ? { pingIntervalMs: ping } : {}) });
}

/** With the documented 20 s pings. */
export const evrmoreRpcDialect = createEvrmoreRpcDialect();
