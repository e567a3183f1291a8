// The Edge's `createTransport` for opt-in batched frames: uWS wrapped in a BatchingTransport. Apart from
// batching-config.ts so reading the edge's config neither loads the socket addon nor depends on sessions.
import type { BatchingConfig } from '../batching-config.js';
import { BATCHABLE_DIALECTS } from '../batching-config.js';
import type { Clock } from '../clock.js';
import type { Session } from '../session.js';
import { BatchingTransport, wantsBatchedFrames } from './batching-transport.js';
import { UwsTransport } from './uws-transport.js';
import type { WsHandlers, WsTransport, WsTransportOptions } from './ws-transport.js';

type TransportFactory = (opts: WsTransportOptions, handlers: WsHandlers<Session>) => WsTransport;

/** The Edge's `createTransport`: uWS, wrapped for batched frames unless the window is 0 (then undefined: the default). */
export function batchingTransportFactory(cfg: BatchingConfig, clock: Pick<Clock, 'setTimeout'>): TransportFactory | undefined {
  if (cfg.windowMs <= 0) return undefined;
  return (opts, handlers) =>
    new BatchingTransport<Session>(opts, handlers, (o, h) => new UwsTransport(o, h), {
      windowMs: cfg.windowMs,
      maxBytes: cfg.maxBytes,
      clock,
      // only chainfan's own clients (the SDK) may ask; dialects that mimic other services keep one message per frame
      wants: (req, s) => BATCHABLE_DIALECTS.has(s.dialect.name) && !s.dialect.binary && wantsBatchedFrames(req.query),
    });
}
