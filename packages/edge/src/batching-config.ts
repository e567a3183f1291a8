// Configuration of opt-in batched frames: its rows of the edge's CHAINFAN_* table and the transport
// factory the composition root hands the Edge. Kept apart from config.ts so the feature stays one delimited piece.
import { int } from '@chainfan/telemetry';
import type { Clock } from './clock.js';
import type { Session } from './session.js';
import { BatchingTransport, wantsBatchedFrames } from './transport/batching-transport.js';
import { UwsTransport } from './transport/uws-transport.js';
import type { WsHandlers, WsTransport, WsTransportOptions } from './transport/ws-transport.js';

export const batchingEnv = {
  CHAINFAN_EDGE_BATCH_WINDOW_MS: int({
    min: 0, max: 10, default: 2, help: 'clients asking ?batch=1 get frames of newline-delimited messages within this window; 0 disables',
  }),
  CHAINFAN_EDGE_BATCH_MAX_BYTES: int({ min: 1_024, max: 1_048_576, default: 65_536, help: 'a batch this large leaves before its window ends' }),
} as const;

export interface BatchingConfig {
  /** 0: batching off, every client gets one frame per message */
  readonly windowMs: number;
  readonly maxBytes: number;
}

export function batchingConfigFromEnv(env: { readonly CHAINFAN_EDGE_BATCH_WINDOW_MS: number; readonly CHAINFAN_EDGE_BATCH_MAX_BYTES: number }): BatchingConfig {
  return Object.freeze({ windowMs: env.CHAINFAN_EDGE_BATCH_WINDOW_MS, maxBytes: env.CHAINFAN_EDGE_BATCH_MAX_BYTES });
}

/**
 * Dialects whose clients may ask for batched frames: the SDK's (evrmore-rpc today) and chainfan's native one. Their
 * clients never send `?batch=1` unless they split frames on newlines; every other dialect is left alone.
 */
export const BATCHABLE_DIALECTS: ReadonlySet<string> = new Set(['evrmore-rpc', 'chainfan']);

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
