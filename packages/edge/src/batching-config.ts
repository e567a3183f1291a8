// Configuration of opt-in batched frames: its rows of the edge's CHAINFAN_* table. The transport factory built from it
// lives in transport/batching-factory.ts, so reading config loads no socket addon and imports no session.
import { int } from '@chainfan/telemetry';

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
