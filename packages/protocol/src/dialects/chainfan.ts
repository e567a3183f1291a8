// The native chainfan protocol, the SDK's: evrmore-rpc's frames and event shapes (so any evrmore-rpc client works),
// every canonical topic, positions and `since` for recovery, `resync` notices, and request ids —
// `{"action":"subscribe","topic":"blocks","id":7}` is answered by frames carrying `"id":7` — plus `{"action":"ping"}`.
import { createEvrmoreDialect } from './evrmore-codec.js';

export const chainfanDialect = createEvrmoreDialect({ name: 'chainfan', requestIds: true });
