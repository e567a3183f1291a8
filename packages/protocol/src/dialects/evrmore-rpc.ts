// evrmore-rpc 1.2.1 WebSocket dialect (reference/evrmore-rpc-websocket-protocol.md): what its client sends and reads,
// plus the docs' command messages. Served on any path by default; `/evrmore-rpc` or `?dialect=evrmore-rpc` force it.
import { createEvrmoreDialect } from './evrmore-codec.js';

export { EVRMORE_RPC_MAX_COMMAND_BYTES } from './evrmore-codec.js';

/** Request ids are not part of evrmore-rpc: `id` keys are ignored and answers carry none, exactly as documented. */
export const evrmoreRpcDialect = createEvrmoreDialect({ name: 'evrmore-rpc', requestIds: false });
