// IPC between the ingest benchmark and its two processes: the ingestor under test and the ZMQ sender.
import type { SparseHistogram } from '../histogram.js';

export type IngestorCommand = { readonly type: 'measure-start' } | { readonly type: 'measure-stop' };

export type IngestorReport =
  | { readonly type: 'ready' }
  /** counters zeroed after the ingestor went idle: the measured sending may begin */
  | { readonly type: 'started' }
  | { readonly type: 'progress'; readonly published: number; readonly received: number }
  | {
      readonly type: 'measured';
      /** rawtx notifications whose transaction envelope Redis confirmed, since measure-start */
      readonly published: number;
      /** rawtx notifications received since measure-start */
      readonly received: number;
      /** ZMQ receive → publish confirmed, per transaction envelope */
      readonly histogram: SparseHistogram;
      /** first receive → last confirmation of the window, ms */
      readonly spanMs: number;
      readonly zmqGaps: number;
      readonly publishErrors: number;
    };

export type SenderCommand =
  /** `rate` 0: as fast as the socket takes them */
  | { readonly type: 'send'; readonly count: number; readonly rate: number; readonly firstLockTime: number };

export type SenderReport =
  /** `rpcUrl` carries the node-sim's credentials */
  | { readonly type: 'ready'; readonly endpoint: string; readonly rpcUrl: string }
  | { readonly type: 'sent'; readonly count: number; readonly wallMs: number };
